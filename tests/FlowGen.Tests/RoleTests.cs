using FlowGen;
using Xunit;

namespace FlowGen.Tests;

// Flows/roles.flow.yaml: role conditions evaluated against the run's role, matched by business id and flow id
// or given explicitly, and changed by a task.

public sealed record RoleRequest(string Customer);

[FlowComponent("roles")]
public sealed class RoleTasks
{
    [FlowTask("triple"), ToVar("path")] public string Triple() => "triple";

    [FlowTask("plain"), ToVar("path")] public string Plain() => "plain";

    /// <summary>A buyer becomes a promoted customer with the vip permission: the gate after this task sees it.</summary>
    [FlowTask("promote")]
    public void Promote(FlowContext context)
    {
        if (context.Role?.Name == "buyer") context.Role = new FlowRole("promoted", ["r:vip"]);
    }

    [FlowTask("vip"), ToResult] public string Vip([FromVar("path")] string? path, FlowContext context) => $"vip:{path}|{context.Role?.Name}";

    [FlowTask("summary"), ToResult] public string Summary([FromVar("path")] string? path, FlowContext context) => $"{path}|{context.Role?.Name ?? "none"}";
}

[Flow("role-route")]
public sealed partial class RoleRouteFlow : IFlow<RoleRequest, string>;

public sealed class RoleTests
{
    private static readonly FlowRoleTable Roles = new FlowRoleTable()
        .Add(new FlowRole("checker", ["r:check-img@triple"]), businessId: "gold")
        .Add(new FlowRole("any-check", ["r:check-img@*"]), flowId: "role-route", businessId: "silver")
        .Add(new FlowRole("shop-vip", ["pr:shop@vip@gold"]), flowId: "role-route", businessId: "platinum")
        .Add(new FlowRole("buyer", []), flowId: "role-route");

    [Theory]
    [InlineData("gold", "triple|checker")]          // the business's role holds the permission
    [InlineData("silver", "triple|any-check")]      // r:check-img@* holds every ability
    [InlineData("platinum", "vip:plain|shop-vip")]  // a pr: permission
    [InlineData(null, "vip:plain|promoted")]        // the flow's role; the promote task changes it before the gate
    public async Task The_runs_role_picks_the_branch(string? businessId, string expected)
    {
        var result = await new RoleRouteFlow(new RoleTasks()).RunAsync(new RoleRequest("c"), new FlowRunOptions { Roles = Roles, BusinessId = businessId });

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(expected, result.Value);
    }

    [Fact]
    public async Task Without_a_role_no_permission_holds()
    {
        var result = await new RoleRouteFlow(new RoleTasks()).RunAsync(new RoleRequest("c"));

        Assert.Equal("plain|none", result.Value);
    }

    [Fact]
    public async Task A_role_given_to_the_run_wins_over_the_table()
    {
        var result = await new RoleRouteFlow(new RoleTasks()).RunAsync(new RoleRequest("c"),
            new FlowRunOptions { Roles = Roles, BusinessId = "gold", Role = new FlowRole("auditor", ["r:vip"]) });

        Assert.Equal("vip:plain|auditor", result.Value);
    }
}

// Abilities: one task, several implementations; the run's role picks one, else the plain method runs.
public sealed record ImageRequest(string Url);

[FlowComponent("images")]
public sealed class ImageChecks
{
    [FlowTask("check-img"), ToResult] public string Check(ImageRequest request) => "plain:" + request.Url;

    [FlowTask("check-img", Ability = "triple"), ToResult] public string CheckThreeTimes(ImageRequest request) => "triple:" + request.Url;

    [FlowTask("check-img", Ability = "fast"), ToResult] public string CheckFast(ImageRequest request) => "fast:" + request.Url;
}

[Flow("image-check")]
public sealed partial class ImageCheckFlow : IFlow<ImageRequest, string>
{
    [FlowDefinition]
    private static void Define(FlowBuilder<ImageRequest> flow) => flow.Task<ImageChecks>(c => c.Check, id: "check").Retry(1);
}

public sealed class AbilityTests
{
    [Theory]
    [InlineData(null, "plain:a.png")]
    [InlineData("r:check-img@triple", "triple:a.png")]
    [InlineData("pr:images@check-img@fast", "fast:a.png")]
    [InlineData("r:check-img@*", "triple:a.png")]   // every ability: the first declared wins
    [InlineData("r:check-img@*|pr:images@check-img@fast", "fast:a.png")] // an ability granted by name wins over the wildcard
    public async Task The_role_picks_the_implementation(string? permission, string expected)
    {
        var role = permission is null ? null : new FlowRole("r", permission.Split('|'));

        var result = await new ImageCheckFlow(new ImageChecks()).RunAsync(new ImageRequest("a.png"), new FlowRunOptions { Role = role });

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(expected, result.Value);
    }
}

public sealed class AmbiguousAbilityTests
{
    [Fact]
    public async Task A_role_granted_two_abilities_fails_the_run_as_Kstry_does_and_is_not_retried()
    {
        // kstry-core RoleCaseTest.testRole00103: a role that matches two abilities is TASK_SERVICE_MATCH_ERROR.
        var role = new FlowRole("both", ["r:check-img@triple", "pr:images@check-img@fast"]);

        var result = await new ImageCheckFlow(new ImageChecks()).RunAsync(new ImageRequest("a.png"), new FlowRunOptions { Role = role, Tracking = TrackingMode.Node });

        Assert.False(result.IsSuccess);
        Assert.Equal(FlowErrorCodes.AbilityAmbiguous, result.Error!.Code);
        Assert.Equal("check", result.Error.NodeId);
        Assert.Contains("'both' is granted two abilities of the task, 'triple' and 'fast'", result.Error.Message);
        Assert.IsType<FlowAbilityException>(result.Error.Exception);
    }
}

// Abilities of a method that returns nothing (an if/else statement) and of an iterated task (chosen per item).
public sealed record AbilityRequest(int[] Numbers);

[FlowComponent("abilities")]
public sealed class AbilityForms
{
    private string _notified = "none";

    [FlowTask("notify")] public void Notify() => _notified = "mail";

    [FlowTask("notify", Ability = "sms")] public void NotifySms() => _notified = "sms";

    [FlowTask("score"), ToVar("scores")] public int Score([FromItem] int item) => item;

    [FlowTask("score", Ability = "double"), ToVar("scores")] public int ScoreDouble([FromItem] int item) => item * 2;

    [FlowTask("total"), ToResult] public string Total([FromVar("scores")] IReadOnlyList<int> scores) => $"{_notified}:{scores.Sum()}";
}

[Flow("ability-forms")]
public sealed partial class AbilityFormsFlow : IFlow<AbilityRequest, string>;

public sealed class AbilityFormTests
{
    [Theory]
    [InlineData(new string[0], "mail:6")]
    [InlineData(new[] { "r:notify@sms" }, "sms:6")]
    [InlineData(new[] { "r:score@double" }, "mail:12")]
    [InlineData(new[] { "pr:abilities@notify@sms", "r:score@*" }, "sms:12")]
    public async Task A_void_task_and_an_iterated_task_run_the_ability_the_role_holds(string[] permissions, string expected)
    {
        var result = await new AbilityFormsFlow(new AbilityForms()).RunAsync(new AbilityRequest([1, 2, 3]), new FlowRunOptions { Role = new FlowRole("r", permissions) });

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(expected, result.Value);
    }
}

// Flows/demotion-ability.flow.yaml: the live source fails; the fallback is the task's "cache" ability.
[FlowComponent("stock")]
public sealed class StockSource
{
    [FlowTask("load"), ToResult] public string Load(ImageRequest request) => throw new InvalidOperationException("the stock service is down");

    [FlowTask("load", Ability = "cache"), ToResult] public string LoadCached(ImageRequest request) => "cached:" + request.Url;
}

[Flow("demotion-ability")]
public sealed partial class DemotionAbilityFlow : IFlow<ImageRequest, string>;

public sealed class DemotionToAbilityTests
{
    [Fact]
    public async Task A_fallback_may_name_one_ability_of_a_task_whatever_the_role()
    {
        var result = await new DemotionAbilityFlow(new StockSource()).RunAsync(new ImageRequest("a.png"));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("cached:a.png", result.Value);
    }
}

// Flows/custom-role.flow.yaml: Kstry's custom-role, a task that changes the run's role after another task.
[FlowComponent("members")]
public sealed class Members
{
    [FlowTask("load"), ToVar("spent")] public int Load(ImageRequest request) => request.Url.Length * 100;

    // Kstry's @CustomRole method adds permissions to the role it is handed; here it sets the context's role.
    [FlowTask("promote")]
    public void Promote(FlowContext context, [FromVar("spent")] int spent)
    {
        if (spent >= 500) context.Role = (context.Role ?? new FlowRole("member", [])).With("r:vip");
    }

    [FlowTask("vip"), ToResult] public string Vip(FlowContext context) => "vip:" + context.Role!.Name;

    [FlowTask("plain"), ToResult] public string Plain() => "plain";
}

[Flow("custom-role")]
public sealed partial class CustomRoleFlow : IFlow<ImageRequest, string>;

public sealed class CustomRoleTests
{
    [Theory]
    [InlineData("a.png", null, "vip:member")]        // 500 spent: promoted, with a role made for it
    [InlineData("a.png", "buyer", "vip:buyer")]      // the run's own role gets the permission added
    [InlineData("a.p", "buyer", "plain")]            // 300 spent: not promoted
    public async Task A_custom_role_task_runs_after_its_task_and_the_conditions_after_it_see_the_new_role(string url, string? role, string expected)
    {
        var options = new FlowRunOptions { Role = role is null ? null : new FlowRole(role, ["r:browse"]), Tracking = TrackingMode.Node };

        var result = await new CustomRoleFlow(new Members()).RunAsync(new ImageRequest(url), options);

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal(expected, result.Value);
        Assert.Contains(result.Trace!.Nodes, n => n.NodeId == "Load.custom-role");
    }
}
