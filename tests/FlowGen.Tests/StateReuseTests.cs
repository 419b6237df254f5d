using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using FlowGen;
using Xunit;

namespace FlowGen.Tests;

// RunAsync(request) keeps a finished run's state, cleared, for the next run on the same thread. These tests
// check that nothing of one run leaks into the next: bus values, join counters, errors, options, traces.
public sealed class StateReuseTests
{
    private readonly Recorder _log = new();

    [Fact]
    public async Task A_run_that_finished_synchronously_leaves_its_state_for_the_next_run_cleared()
    {
        var reuse = new Reuse();
        var flow = new ReuseJoinFlow(reuse);

        var first = await flow.RunAsync(new OrderRequest(50, "web"));  // writes var.bonus
        var used = reuse.LastContext;
        var second = await flow.RunAsync(new OrderRequest(5, "web"));  // takes the default flow: no bonus

        Assert.Equal(150, first.Value);
        Assert.Equal(5, second.Value); // 105 if var.bonus had survived the first run
        Assert.Same(used, reuse.LastContext); // the same state object held both runs
        var third = await flow.RunAsync(new OrderRequest(20, "web")); // the merge's counters were reset too
        Assert.True(third.IsSuccess, third.ToString());
        Assert.Equal(120, third.Value);
    }

    [Fact]
    public async Task A_run_started_from_inside_a_run_of_the_same_flow_gets_a_state_of_its_own()
    {
        var nester = new Nester();
        var flow = new NestedRunFlow(nester);
        nester.Flow = flow;

        // amount 0: depth 0, result 0; amount 1: depth 0 + 1, result 101; amount 2: depth 101 + 1, result 10,202. Had an
        // inner run taken the outer run's state (the thread's spare while the outer run goes on), the outer run would
        // read the inner run's request and bus values after it.
        var nested = await flow.RunAsync(new OrderRequest(2, "web"));
        var plain = await flow.RunAsync(new OrderRequest(0, "web"));

        Assert.True(nested.IsSuccess, nested.ToString());
        Assert.Equal(10_202, nested.Value);
        Assert.Equal(0, plain.Value);
    }

    [Fact]
    public async Task A_run_whose_trace_hook_threw_leaves_no_spare_that_blocks_reuse()
    {
        var reuse = new Reuse();
        var flow = new ReuseJoinFlow(reuse);
        var throwing = new FlowRunOptions { Tracking = TrackingMode.Node, TraceCompleted = _ => throw new InvalidOperationException("hook") };

        Assert.Throws<InvalidOperationException>(() => flow.RunAsync(new OrderRequest(50, "web"), throwing));
        var left = reuse.LastContext;
        var first = await flow.RunAsync(new OrderRequest(5, "web"));
        var taken = reuse.LastContext;
        var second = await flow.RunAsync(new OrderRequest(20, "web"));

        Assert.Equal(5, first.Value);
        Assert.Equal(120, second.Value);
        Assert.NotSame(left, taken); // the state the throwing run left started: it is not reused
        Assert.Same(taken, reuse.LastContext); // the next runs reuse one state again
    }

    [Fact]
    public async Task A_run_after_a_failed_one_starts_without_its_error()
    {
        var flow = new FlakyFlow(new Calc(_log));

        var failed = await flow.RunAsync(new OrderRequest(3, "web"));
        var next = await flow.RunAsync(new OrderRequest(4, "web"));

        Assert.Equal(FlowErrorCodes.TaskFailed, failed.Error?.Code);
        Assert.True(next.IsSuccess, next.ToString());
        Assert.Equal(4, next.Value!.Total);
    }

    [Fact]
    public async Task Options_ids_and_traces_of_one_run_do_not_reach_the_next()
    {
        var flow = new ContextFlow(new Router(_log));

        var traced = await flow.RunAsync(new OrderRequest(1, "web"), new FlowRunOptions { RequestId = "req-1", BusinessId = "shop-9", Tracking = TrackingMode.Node });
        var plain = await flow.RunAsync(new OrderRequest(1, "web"));

        Assert.Equal("context-flow/req-1/shop-9/False", traced.Value);
        Assert.NotNull(traced.Trace);
        Assert.Null(plain.Trace);
        Assert.StartsWith("context-flow/", plain.Value);
        Assert.DoesNotContain("req-1", plain.Value);
        Assert.DoesNotContain("shop-9", plain.Value);
        Assert.NotEmpty(traced.Trace!.Nodes); // the first run's trace is the caller's own, untouched by the second run
    }

    [Fact]
    public async Task A_run_that_finishes_synchronously_allocates_nothing_once_warm_but_the_state_machines_an_unoptimized_build_boxes()
    {
        var flow = new ReuseJoinFlow(new Reuse());
        var request = new OrderRequest(50, "web");
        for (var i = 0; i < 100; i++) await flow.RunAsync(request);
        // The one async node method this run enters: the exclusive gateway 'size' (it tells the merge about the branch it skips).
        var boxed = BoxedStateMachineBytes(typeof(ReuseJoinFlow), "Run_size");

        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = flow.RunAsync(request);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(result.IsCompletedSuccessfully);
        Assert.Equal(150, (await result).Value);
        // Optimized (Release): 0 bytes. Unoptimized (Debug): exactly the gateway's state machine object, nothing else
        // (no state, no result, no closure, no boxed bus value).
        Assert.Equal(boxed, allocated);
    }

    [Fact]
    public void The_generated_async_state_machines_are_structs_in_an_optimized_build_and_classes_in_an_unoptimized_one()
    {
        var optimized = typeof(ReuseJoinFlow).Assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled != true;
        var machine = StateMachine(typeof(ReuseJoinFlow), "Run_size");

        Assert.Equal(optimized, machine.IsValueType);
        if (!optimized) Assert.InRange(BoxedStateMachineBytes(typeof(ReuseJoinFlow), "Run_size"), 1, 256);
    }

    /// <summary>The compiler's state machine type of an async method of <paramref name="type"/>.</summary>
    private static Type StateMachine(Type type, string method)
        => type.GetMethod(method, BindingFlags.Instance | BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)!
            .GetCustomAttribute<AsyncStateMachineAttribute>()!.StateMachineType;

    /// <summary>
    /// What one call of an async method allocates when it completes without suspending. In an optimized build the C#
    /// compiler makes the state machine a struct that stays on the stack (0 bytes); without optimization (Debug) it
    /// makes it a class, for Edit and Continue, so every call allocates one object of it: its size, measured here.
    /// </summary>
    private static long BoxedStateMachineBytes(Type type, string method)
    {
        var machine = StateMachine(type, method);
        if (machine.IsValueType) return 0;
        RuntimeHelpers.GetUninitializedObject(machine); // once for any caching of the type's allocator
        var before = GC.GetAllocatedBytesForCurrentThread();
        RuntimeHelpers.GetUninitializedObject(machine);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public async Task A_state_the_caller_made_is_never_taken_for_another_run()
    {
        var flow = new ReuseJoinFlow(new Reuse());
        var state = new ReuseJoinFlow.State(new OrderRequest(50, "web"));

        var result = await flow.RunAsync(state);
        await flow.RunAsync(new OrderRequest(5, "web"));

        Assert.Equal(150, result.Value);
        Assert.Equal(150, state.Result);  // still the caller's run
        Assert.Equal(100, state.Var_bonus);
    }

    [Fact]
    public async Task Runs_that_await_and_finish_on_other_threads_never_share_a_state()
    {
        // order-seq awaits (Task.Yield) in its middle task, so runs finish on pool threads and leave their
        // states there; many runs at once, each with its own amount, must each see only their own values.
        var flow = new OrderSequenceFlow(new Calc(_log));

        for (var round = 0; round < 5; round++)
        {
            var runs = Enumerable.Range(1, 200).Select(async amount => (amount, result: await flow.RunAsync(new OrderRequest(amount, "web")))).ToList();
            foreach (var (amount, result) in await Task.WhenAll(runs))
            {
                Assert.True(result.IsSuccess, result.ToString());
                Assert.Equal(new OrderResult(amount, amount + 10, "finish"), result.Value);
            }
        }
    }

    [Fact]
    public async Task Made_request_ids_are_32_hex_digits_and_differ_from_run_to_run()
    {
        var flow = new ContextFlow(new Router(_log));

        var first = (await flow.RunAsync(new OrderRequest(1, "web"))).Value!.Split('/')[1];
        var second = (await flow.RunAsync(new OrderRequest(1, "web"))).Value!.Split('/')[1];

        Assert.Matches("^[0-9a-f]{32}$", first);
        Assert.Matches("^[0-9a-f]{32}$", second);
        Assert.NotEqual(first, second);
    }
}
