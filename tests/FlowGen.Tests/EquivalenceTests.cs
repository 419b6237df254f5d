using FlowGen;
using Xunit;

namespace FlowGen.Tests;

// One reference flow per construct, written in every form: Flows/eq-*.bpmn (BPMN), eq-*.flow.json (JSON graph
// or steps), eq-*.flow.yaml (YAML graph, steps or actions) and [FlowDefinition] methods below (fluent C#). Each form is compiled by the real generator; the
// table runs every form on the same inputs and demands the same result, the same error and the same calls.

public sealed record EqRequest(int Amount, int[] Numbers);

[FlowComponent("eq")]
public sealed class EqTasks(Recorder log)
{
    private int _flakyCalls;

    [FlowTask("classify"), ToState("level")]
    public string Classify(EqRequest request)
    {
        log.Add("classify");
        return request.Amount < 0 ? "bad" : request.Amount >= 100 ? "big" : "small";
    }

    [FlowTask("big"), ToResult]
    public string Big([FromState("level")] string level)
    {
        log.Add("big");
        return "big:" + level;
    }

    [FlowTask("small"), ToResult]
    public string Small(EqRequest request)
    {
        log.Add("small");
        return "small:" + request.Amount;
    }

    [FlowTask("part-a"), ToState("a")]
    public async ValueTask<int> PartAAsync(EqRequest request)
    {
        await Task.Yield();
        log.Add("a");
        return request.Amount + 1;
    }

    [FlowTask("part-b"), ToState("b")]
    public async Task<int> PartBAsync(EqRequest request, CancellationToken cancellationToken)
    {
        await Task.Delay(5, cancellationToken);
        log.Add("b");
        return request.Amount * 2;
    }

    /// <summary>Fails every other call: the first attempt fails, the retry succeeds.</summary>
    [FlowTask("flaky"), ToState("c")]
    public int Flaky()
    {
        log.Add("flaky");
        if (Interlocked.Increment(ref _flakyCalls) % 2 == 1) throw new TimeoutException("the flaky service did not answer");
        return 7;
    }

    [FlowTask("sum"), ToResult]
    public string Sum([FromState("a")] int a, [FromState("b")] int b, [FromState("c")] int c)
    {
        log.Add("sum");
        return $"{a}+{b}+{c}";
    }

    [FlowTask("broken"), ToResult]
    public string Broken() => throw new InvalidOperationException("broken for good");

    [FlowTask("square"), ToState("squares")]
    public int Square([FromItem] int number)
    {
        log.Add("square:" + number);
        return number * number;
    }

    [FlowTask("total"), ToResult]
    public string Total([FromState("squares")] IReadOnlyList<int> squares, [FromState("a")] int a)
    {
        log.Add("total");
        return $"{string.Join(",", squares)}|{a}";
    }
}

[Flow("eq-choice-bpmn")] public sealed partial class EqChoiceBpmn : IFlow<EqRequest, string>;
[Flow("eq-choice-json")] public sealed partial class EqChoiceJson : IFlow<EqRequest, string>;
[Flow("eq-choice-yaml")] public sealed partial class EqChoiceYaml : IFlow<EqRequest, string>;
[Flow("eq-choice-actions")] public sealed partial class EqChoiceActions : IFlow<EqRequest, string>;
[Flow("eq-case-actions")] public sealed partial class EqCaseActions : IFlow<EqRequest, string>;
[Flow("eq-parallel-bpmn")] public sealed partial class EqParallelBpmn : IFlow<EqRequest, string>;
[Flow("eq-parallel-json")] public sealed partial class EqParallelJson : IFlow<EqRequest, string>;
[Flow("eq-parallel-yaml")] public sealed partial class EqParallelYaml : IFlow<EqRequest, string>;
[Flow("eq-parallel-steps")] public sealed partial class EqParallelSteps : IFlow<EqRequest, string>;
[Flow("eq-reuse-bpmn")] public sealed partial class EqReuseBpmn : IFlow<EqRequest, string>;
[Flow("eq-reuse-json")] public sealed partial class EqReuseJson : IFlow<EqRequest, string>;
[Flow("eq-reuse-yaml")] public sealed partial class EqReuseYaml : IFlow<EqRequest, string>;

// The fluent C# form: read by the generator from this code, never run.
[Flow("eq-choice-fluent")]
public sealed partial class EqChoiceFluent : IFlow<EqRequest, string>
{
    [FlowDefinition]
    private static void Define(FlowBuilder<EqRequest> flow) => flow
        .Task<EqTasks>(t => t.Classify, id: "Classify")
        .Choose(c => c
            .When(bus => bus.State<string>("level") == "big", b => b.Task<EqTasks>(t => t.Big, id: "Big"))
            .When(bus => bus.State<string>("level") == "bad", b => b.Fail("BAD_AMOUNT", "the amount is negative", id: "Bad"))
            .Otherwise(b => b.Task<EqTasks>(t => t.Small, id: "Small")));
}

[Flow("eq-parallel-fluent")]
public sealed partial class EqParallelFluent : IFlow<EqRequest, string>
{
    [FlowDefinition]
    private static void Define(FlowBuilder<EqRequest> flow) => flow
        .Parallel(
            b => b.Task<EqTasks>(t => t.PartAAsync, id: "A"),
            b => b.Task<EqTasks>(t => t.PartBAsync, id: "B"),
            b => b.Task<EqTasks>(t => t.Flaky, id: "C", name: "Flaky").Retry(1))
        .Task<EqTasks>(t => t.Sum, id: "Sum");
}

[Flow("eq-reuse-fluent")]
public sealed partial class EqReuseFluent : IFlow<EqRequest, string>
{
    [FlowDefinition]
    private static void Define(FlowBuilder<EqRequest> flow) => flow
        .ForEach<EqTasks, int>(bus => bus.Request.Numbers, t => t.Square, id: "Square")
        .Call("eq-parts-bpmn", id: "Parts")
        .Task<EqTasks>(t => t.Total, id: "Total");
}

public sealed class EquivalenceTests
{
    /// <summary>Every form of each construct, by construct name.</summary>
    private static readonly Dictionary<string, Func<EqTasks, IFlow<EqRequest, string>>[]> Forms = new()
    {
        ["choice"] = [t => new EqChoiceBpmn(t), t => new EqChoiceJson(t), t => new EqChoiceYaml(t), t => new EqChoiceActions(t), t => new EqCaseActions(t), t => new EqChoiceFluent(t)],
        ["parallel"] = [t => new EqParallelBpmn(t), t => new EqParallelJson(t), t => new EqParallelYaml(t), t => new EqParallelSteps(t), t => new EqParallelFluent(t)],
        ["reuse"] = [t => new EqReuseBpmn(t), t => new EqReuseJson(t), t => new EqReuseYaml(t), t => new EqReuseFluent(t)],
    };

    public static TheoryData<string, int, string, string, string> Cases => new()
    {
        // construct, amount, expected value, expected error code, the calls made (compared as sets with repeats: branches run together)
        { "choice", 500, "big:big", "", "classify,big" },
        { "choice", 5, "small:5", "", "classify,small" },
        { "choice", -1, "", "BAD_AMOUNT", "classify" },
        { "parallel", 10, "11+20+7", "", "a,b,flaky,flaky,sum" },
        { "reuse", 3, "1,4,9|4", "", "a,square:1,square:2,square:3,total" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Every_form_of_a_construct_runs_alike(string construct, int amount, string expected, string errorCode, string calls)
    {
        var forms = Forms[construct];
        Assert.True(forms.Length >= 4, "each construct is written in BPMN, JSON, YAML and fluent C# at least");
        foreach (var make in forms)
        {
            var log = new Recorder();
            var flow = make(new EqTasks(log));
            var result = await flow.RunAsync(new EqRequest(amount, [1, 2, 3]));
            var name = flow.GetType().Name;

            if (errorCode.Length == 0)
            {
                Assert.True(result.IsSuccess, $"{name}: {result}");
                Assert.Equal(expected, result.Value);
            }
            else
            {
                Assert.False(result.IsSuccess, $"{name} should fail");
                Assert.Equal(errorCode, result.Error.Code);
                Assert.Equal("the amount is negative", result.Error.Message);
            }
            var expectedCalls = string.Join(",", calls.Split(',', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
            Assert.True(expectedCalls == string.Join(",", log.Calls.Order(StringComparer.Ordinal)), $"{name} called {string.Join(",", log.Calls)}");
        }
    }

    [Fact]
    public async Task A_fail_end_names_its_node_in_the_error()
    {
        var bpmn = await new EqChoiceBpmn(new EqTasks(new Recorder())).RunAsync(new EqRequest(-5, []));
        var actions = await new EqChoiceActions(new EqTasks(new Recorder())).RunAsync(new EqRequest(-5, []));
        var fluent = await new EqChoiceFluent(new EqTasks(new Recorder())).RunAsync(new EqRequest(-5, []));

        Assert.False(bpmn.IsSuccess);
        Assert.False(actions.IsSuccess);
        Assert.Equal("Bad", bpmn.Error.NodeId);
        Assert.Equal("Bad amount", bpmn.Error.NodeName);
        Assert.Equal("eq-choice-actions.fail.BAD_AMOUNT", actions.Error.NodeId);
        Assert.False(fluent.IsSuccess);
        Assert.Equal("Bad", fluent.Error.NodeId);
    }
}
