using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Stateless;
using WorkflowCore.Interface;
using WorkflowCore.Models;

namespace FlowGen.Benchmarks;

// The peers a .NET team would pick instead, measured in the sequence, choice, fork/join and retry cases beside FlowGen and two
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

    public static async Task<int> ForkJoin(BenchAsyncTasks tasks, BenchRequest request, CancellationToken cancellationToken)
    {
        // Each branch checks the token and captures its failure; the join then checks for an error before the sum.
        var a = Branch(tasks.PartA, request, cancellationToken);
        var b = Branch(tasks.PartB, request, cancellationToken);
        var c = Branch(tasks.PartC, request, cancellationToken);
        var d = Branch(tasks.PartD, request, cancellationToken);
        var (ra, rb, rc, rd) = (await a.ConfigureAwait(false), await b.ConfigureAwait(false), await c.ConfigureAwait(false), await d.ConfigureAwait(false));
        if ((ra.Error ?? rb.Error ?? rc.Error ?? rd.Error) is not null) return -1;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            return tasks.Sum(ra.Value, rb.Value, rc.Value, rd.Value);
        }
        catch (Exception)
        {
            return -1;
        }
    }

    private static async ValueTask<(int Value, Exception? Error)> Branch(Func<BenchRequest, Task<int>> part, BenchRequest request, CancellationToken cancellationToken)
    {
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            return (await part(request).ConfigureAwait(false), null);
        }
        catch (Exception exception)
        {
            return (0, exception);
        }
    }

    public static int Retry(BenchFlakyTasks tasks, BenchRequest request, CancellationToken cancellationToken)
    {
        // One retry at once after a failure, unless the run was cancelled; the last failure is the run's error.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                cancellationToken.ThrowIfCancellationRequested();
                return tasks.Flaky(request);
            }
            catch (Exception) when (attempt < 1 && !cancellationToken.IsCancellationRequested)
            {
            }
            catch (Exception)
            {
                return -1;
            }
        }
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

/// <summary>Stateless for the async and retry cases: it has neither a fork nor retries, so its entry action does both by hand.</summary>
internal static class StatelessAsyncPeer
{
    private enum Trigger { Go }

    public static async Task<int> ForkJoin(BenchAsyncTasks tasks, BenchRequest request)
    {
        var result = 0;
        var machine = new StateMachine<int, Trigger>(0);
        machine.Configure(0).Permit(Trigger.Go, 1);
        machine.Configure(1).OnEntryAsync(async () =>
        {
            var a = tasks.PartA(request);
            var b = tasks.PartB(request);
            var c = tasks.PartC(request);
            var d = tasks.PartD(request);
            await Task.WhenAll(a, b, c, d).ConfigureAwait(false);
            result = tasks.Sum(a.Result, b.Result, c.Result, d.Result);
        });
        await machine.FireAsync(Trigger.Go).ConfigureAwait(false);
        return result;
    }

    public static int Retry(BenchFlakyTasks tasks, BenchRequest request)
    {
        var result = 0;
        var machine = new StateMachine<int, Trigger>(0);
        machine.Configure(0).Permit(Trigger.Go, 1);
        machine.Configure(1).OnEntry(() =>
        {
            try { result = tasks.Flaky(request); }
            catch (InvalidOperationException) { result = tasks.Flaky(request); }
        });
        machine.Fire(Trigger.Go);
        return result;
    }
}

/// <summary>Workflow Core's host with its in-memory persistence, started once; a run ends when its last step has run.</summary>
internal sealed class WorkflowCorePeer : IDisposable
{
    public const string SequenceId = "peer-sequence";
    public const string ChoiceId = "peer-choice";
    public const string ForkJoinId = "peer-forkjoin";
    public const string RetryId = "peer-retry";
    public const string WaitId = "peer-wait";

    private readonly ServiceProvider _services;
    private readonly IWorkflowHost _host;

    private WorkflowCorePeer(ServiceProvider services, IWorkflowHost host)
    {
        _services = services;
        _host = host;
    }

    /// <param name="maxConcurrentWorkflows">Workflow Core's limit of workflows run at once (its default: the number of cores), for the concurrency harness.</param>
    public static WorkflowCorePeer Start(BenchTasks? tasks = null, BenchAsyncTasks? asyncTasks = null, BenchFlakyTasks? flaky = null, BenchIoTasks? io = null, int? maxConcurrentWorkflows = null)
    {
        var collection = new ServiceCollection().AddLogging(l => l.SetMinimumLevel(LogLevel.None))
            .AddWorkflow(options => { if (maxConcurrentWorkflows is { } most) options.UseMaxConcurrentWorkflows(most); });
        // The async steps are classes Workflow Core makes from the container, with the tasks they call.
        collection.AddSingleton(asyncTasks ?? new BenchAsyncTasks()).AddSingleton(io ?? new BenchIoTasks()).AddTransient<PartStep>().AddTransient<IoStep>();
        var services = collection.BuildServiceProvider();
        var host = services.GetRequiredService<IWorkflowHost>();
        var registry = services.GetRequiredService<IWorkflowRegistry>();
        if (tasks is not null)
        {
            registry.RegisterWorkflow(new SequenceWorkflow(tasks));
            registry.RegisterWorkflow(new ChoiceWorkflow(tasks));
        }
        if (asyncTasks is not null) registry.RegisterWorkflow(new ForkJoinWorkflow(asyncTasks));
        if (flaky is not null) registry.RegisterWorkflow(new RetryWorkflow(flaky));
        if (io is not null) registry.RegisterWorkflow(new WaitWorkflow());
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

        public int[] Parts { get; } = new int[4];

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

    private sealed class ForkJoinWorkflow(BenchAsyncTasks tasks) : IWorkflow<PeerData>
    {
        public string Id => ForkJoinId;

        public int Version => 1;

        public void Build(IWorkflowBuilder<PeerData> builder)
            => builder.StartWith(context => ExecutionResult.Next())
                .Parallel()
                    .Do(then => then.StartWith<PartStep>().Input(step => step.Part, data => 0))
                    .Do(then => then.StartWith<PartStep>().Input(step => step.Part, data => 1))
                    .Do(then => then.StartWith<PartStep>().Input(step => step.Part, data => 2))
                    .Do(then => then.StartWith<PartStep>().Input(step => step.Part, data => 3))
                .Join()
                .Then(context => Step(context, data => data.Done.TrySetResult(tasks.Sum(data.Parts[0], data.Parts[1], data.Parts[2], data.Parts[3]))));
    }

    /// <summary>One branch of the fork: the async task of its part, its value kept in the workflow's data.</summary>
    public sealed class PartStep(BenchAsyncTasks tasks) : StepBodyAsync
    {
        public int Part { get; set; }

        public override async Task<ExecutionResult> RunAsync(IStepExecutionContext context)
        {
            var data = (PeerData)context.Workflow.Data;
            data.Parts[Part] = await (Part switch
            {
                0 => tasks.PartA(data.Request),
                1 => tasks.PartB(data.Request),
                2 => tasks.PartC(data.Request),
                _ => tasks.PartD(data.Request),
            }).ConfigureAwait(false);
            return ExecutionResult.Next();
        }
    }

    private sealed class RetryWorkflow(BenchFlakyTasks tasks) : IWorkflow<PeerData>
    {
        public string Id => RetryId;

        public int Version => 1;

        // Workflow Core's retry: a failed step is retried after the interval (none here).
        public void Build(IWorkflowBuilder<PeerData> builder)
            => builder.StartWith(context => Step(context, data => data.Done.TrySetResult(tasks.Flaky(data.Request))))
                .OnError(WorkflowCore.Models.WorkflowErrorHandling.Retry, TimeSpan.Zero);
    }

    private sealed class WaitWorkflow : IWorkflow<PeerData>
    {
        public string Id => WaitId;

        public int Version => 1;

        public void Build(IWorkflowBuilder<PeerData> builder) => builder.StartWith<IoStep>();
    }

    /// <summary>The concurrency harness's step: the simulated I/O of <see cref="BenchIoTasks"/>, then the run is done.</summary>
    public sealed class IoStep(BenchIoTasks tasks) : StepBodyAsync
    {
        public override async Task<ExecutionResult> RunAsync(IStepExecutionContext context)
        {
            var data = (PeerData)context.Workflow.Data;
            data.Done.TrySetResult(await tasks.WaitAsync(data.Request, CancellationToken.None).ConfigureAwait(false));
            return ExecutionResult.Next();
        }
    }

    private static ExecutionResult Step(IStepExecutionContext context, Action<PeerData> body)
    {
        body((PeerData)context.Workflow.Data);
        return ExecutionResult.Next();
    }
}
