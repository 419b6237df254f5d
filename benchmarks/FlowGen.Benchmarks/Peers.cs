using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Stateless;
using WorkflowCore.Interface;
using WorkflowCore.Models;

namespace FlowGen.Benchmarks;

// The peers a .NET team would pick instead, measured in SequenceBenchmarks and ChoiceBenchmarks beside FlowGen and two
// hand-written baselines, calling the same task methods (issue 15): Stateless 5.20.1 (a state machine per run, the
// tasks in its entry actions) and Workflow Core 3.22.0 (its in-memory host, started once; a run is started and awaited
// until its last step has run). "Same semantics" is hand-written code that does what a FlowGen run does per step: a
// cancellation check and an error capture, so that a failing task ends the run with an error instead of an exception.

/// <summary>Hand-written code with a FlowGen run's per-step work: the token checked and a failure captured as the run's error.</summary>
internal static class SameSemantics
{
    public static int Sequence(BenchTasks tasks, BenchRequest request, CancellationToken cancellationToken)
    {
        Exception? error = null;
        var n = 0;
        var result = 0;
        for (var step = 0; step < 10 && error is null; step++)
        {
            try
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (step == 0) n = tasks.First(request);
                else if (step < 9) n = tasks.Next(n);
                else result = tasks.Last(n);
            }
            catch (Exception exception)
            {
                error = exception;
            }
        }
        return error is null ? result : -1;
    }

    public static int Choice(BenchTasks tasks, BenchRequest request, CancellationToken cancellationToken)
    {
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            return request.Start > 100 ? tasks.Big(request) : request.Start > 10 ? tasks.Medium(request) : tasks.Small(request);
        }
        catch (Exception)
        {
            return -1;
        }
    }
}

/// <summary>Stateless: a machine per run (as one per workflow instance), each step a state whose entry action calls the task.</summary>
internal static class StatelessPeer
{
    private enum Trigger { Next, Big, Medium, Small }

    public static int Sequence(BenchTasks tasks, BenchRequest request)
    {
        var n = 0;
        var result = 0;
        var machine = new StateMachine<int, Trigger>(0);
        for (var state = 0; state < 10; state++)
        {
            var step = state + 1;
            machine.Configure(state).Permit(Trigger.Next, step);
            machine.Configure(step).OnEntry(() =>
            {
                if (step == 1) n = tasks.First(request);
                else if (step < 10) n = tasks.Next(n);
                else result = tasks.Last(n);
            });
        }
        for (var i = 0; i < 10; i++) machine.Fire(Trigger.Next);
        return result;
    }

    public static int Choice(BenchTasks tasks, BenchRequest request)
    {
        var result = 0;
        var machine = new StateMachine<int, Trigger>(0);
        machine.Configure(0).Permit(Trigger.Big, 1).Permit(Trigger.Medium, 2).Permit(Trigger.Small, 3);
        machine.Configure(1).OnEntry(() => result = tasks.Big(request));
        machine.Configure(2).OnEntry(() => result = tasks.Medium(request));
        machine.Configure(3).OnEntry(() => result = tasks.Small(request));
        machine.Fire(request.Start > 100 ? Trigger.Big : request.Start > 10 ? Trigger.Medium : Trigger.Small);
        return result;
    }
}

/// <summary>Workflow Core's host with its in-memory persistence, started once; a run ends when its last step has run.</summary>
internal sealed class WorkflowCorePeer : IDisposable
{
    public const string SequenceId = "peer-sequence";
    public const string ChoiceId = "peer-choice";

    private readonly ServiceProvider _services;
    private readonly IWorkflowHost _host;

    private WorkflowCorePeer(ServiceProvider services, IWorkflowHost host)
    {
        _services = services;
        _host = host;
    }

    public static WorkflowCorePeer Start(BenchTasks tasks)
    {
        var services = new ServiceCollection().AddLogging(l => l.SetMinimumLevel(LogLevel.None)).AddWorkflow().BuildServiceProvider();
        var host = services.GetRequiredService<IWorkflowHost>();
        var registry = services.GetRequiredService<IWorkflowRegistry>();
        registry.RegisterWorkflow(new SequenceWorkflow(tasks));
        registry.RegisterWorkflow(new ChoiceWorkflow(tasks));
        host.Start();
        return new WorkflowCorePeer(services, host);
    }

    public async Task<int> RunAsync(string workflow, BenchRequest request)
    {
        var data = new PeerData { Request = request };
        await _host.StartWorkflow(workflow, 1, data).ConfigureAwait(false);
        return await data.Done.Task.ConfigureAwait(false);
    }

    public void Dispose()
    {
        _host.Stop();
        _services.Dispose();
    }

    public sealed class PeerData
    {
        public BenchRequest Request { get; set; } = new(0);

        public int N { get; set; }

        public TaskCompletionSource<int> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class SequenceWorkflow(BenchTasks tasks) : IWorkflow<PeerData>
    {
        public string Id => SequenceId;

        public int Version => 1;

        public void Build(IWorkflowBuilder<PeerData> builder)
        {
            var step = builder.StartWith(context => Step(context, data => data.N = tasks.First(data.Request)));
            for (var i = 0; i < 8; i++) step = step.Then(context => Step(context, data => data.N = tasks.Next(data.N)));
            step.Then(context => Step(context, data => data.Done.TrySetResult(tasks.Last(data.N))));
        }
    }

    private sealed class ChoiceWorkflow(BenchTasks tasks) : IWorkflow<PeerData>
    {
        public string Id => ChoiceId;

        public int Version => 1;

        public void Build(IWorkflowBuilder<PeerData> builder)
            => builder.StartWith(context => ExecutionResult.Next())
                .If(data => data.Request.Start > 100).Do(then => then.StartWith(context => Step(context, data => data.Done.TrySetResult(tasks.Big(data.Request)))))
                .If(data => data.Request.Start > 10 && data.Request.Start <= 100).Do(then => then.StartWith(context => Step(context, data => data.Done.TrySetResult(tasks.Medium(data.Request)))))
                .If(data => data.Request.Start <= 10).Do(then => then.StartWith(context => Step(context, data => data.Done.TrySetResult(tasks.Small(data.Request)))));
    }

    private static ExecutionResult Step(IStepExecutionContext context, Action<PeerData> body)
    {
        body((PeerData)context.Workflow.Data);
        return ExecutionResult.Next();
    }
}
