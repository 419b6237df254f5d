using System.Text.Json.Serialization;
using FlowGen;
using FlowGen.Durable;
using FlowGen.Hosting;
using FlowGen.Persistence.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace FlowGen.Tests.Durable;

public sealed record ShopOrder(string Id, int Amount);

/// <summary>A shop whose payment service is down until the test brings it back.</summary>
[FlowComponent("flaky-shop")]
public sealed class FlakyShop
{
    public bool PaymentsDown { get; set; }

    public List<string> Calls { get; } = [];

    [FlowTask("reserve")]
    [ToState("reserved")]
    public int Reserve(ShopOrder order)
    {
        Calls.Add("reserve " + order.Id);
        return order.Amount;
    }

    [FlowTask("charge")]
    [ToState("charged")]
    public string Charge(ShopOrder order, [FromState("reserved")] int reserved)
    {
        Calls.Add("charge " + order.Id);
        if (PaymentsDown) throw new InvalidOperationException("the payment service is down");
        return $"paid {reserved}";
    }

    [FlowTask("confirm")]
    [ToResult]
    public string Confirm([FromState("charged")] string charged, [FromVar("note")] string note) => $"{charged}, {note}";
}

[Flow("suspend-order")]
public sealed partial class SuspendOrderFlow : IFlow<ShopOrder, string>;

[JsonSerializable(typeof(ShopOrder))]
internal sealed partial class ShopOrderJson : JsonSerializerContext;

/// <summary>on-failure: suspend on a request/response flow: a failed run saved to a real SQLite file, resumed by id.</summary>
public sealed class SuspendTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flowgen-suspend-").FullName;

    private FlowSuspensions Suspensions() => new(new SqliteFlowStore(Path.Combine(_folder, "suspended.db")), FlowStateJson.Options(ShopOrderJson.Default));

    [Fact]
    public async Task A_failed_run_is_saved_and_resumed_by_id_from_another_store_object_without_running_its_done_tasks_again()
    {
        var shop = new FlakyShop { PaymentsDown = true };
        var options = new FlowRunOptions { Suspensions = Suspensions() };

        var failed = await new SuspendOrderFlow(shop).RunAsync(new ShopOrder("o-1", 40), options);

        Assert.False(failed.IsSuccess);
        Assert.Equal("Charge", failed.Error!.NodeId);
        var id = Assert.IsType<string>(failed.Error.SuspendedId);
        var saved = Assert.Single(await options.Suspensions!.ListAsync("suspend-order"));
        Assert.Equal(id, saved.Id);
        Assert.Equal(FlowErrorCodes.TaskFailed, saved.ErrorCode);
        Assert.Equal("Charge", saved.Nodes[0]); // the failed node first, then the branch the failure stopped (Note, beside it)
        Assert.Equal(["Charge", "Note"], saved.Nodes);

        // Later, as another process would: a new flow object, a new store object on the same file.
        var laterShop = new FlakyShop { PaymentsDown = false };
        var resumed = await new SuspendOrderFlow(laterShop).ResumeSuspendedAsync(id, new FlowRunOptions { Suspensions = Suspensions() });

        Assert.True(resumed.IsSuccess, resumed.ToString());
        Assert.Equal("paid 40, reserved 40", resumed.Value);
        Assert.Equal(["charge o-1"], laterShop.Calls); // reserve ran in the first run only; the set's value was saved
        Assert.Empty(await Suspensions().ListAsync("suspend-order"));
        var again = await new SuspendOrderFlow(laterShop).ResumeSuspendedAsync(id, new FlowRunOptions { Suspensions = Suspensions() });
        Assert.Equal(FlowErrorCodes.InvalidResume, again.Error!.Code);
        Assert.Contains("it was resumed to its end already", again.Error.Message);
    }

    [Fact]
    public async Task A_resume_that_fails_again_is_saved_again_under_the_same_id()
    {
        var shop = new FlakyShop { PaymentsDown = true };
        var options = new FlowRunOptions { Suspensions = Suspensions() };
        var flow = new SuspendOrderFlow(shop);

        var id = (await flow.RunAsync(new ShopOrder("o-2", 7), options)).Error!.SuspendedId!;
        var second = await flow.ResumeSuspendedAsync(id, options);

        Assert.Equal(id, second.Error!.SuspendedId);
        Assert.Single(await options.Suspensions!.ListAsync("suspend-order"));
        shop.PaymentsDown = false;
        Assert.Equal("paid 7, reserved 7", (await flow.ResumeSuspendedAsync(id, options)).Value);
    }

    [Fact]
    public async Task Without_a_store_a_failed_run_is_not_saved_and_an_unknown_id_is_an_invalid_resume()
    {
        var flow = new SuspendOrderFlow(new FlakyShop { PaymentsDown = true });

        var failed = await flow.RunAsync(new ShopOrder("o-3", 1));
        var unknown = await flow.ResumeSuspendedAsync("nope", new FlowRunOptions { Suspensions = Suspensions() });
        var noStore = await flow.ResumeSuspendedAsync("nope");

        Assert.Null(failed.Error!.SuspendedId);
        Assert.Equal(FlowErrorCodes.InvalidResume, unknown.Error!.Code);
        Assert.Contains("no saved run has the id 'nope'", unknown.Error.Message);
        Assert.Contains("pass FlowRunOptions.Suspensions", noStore.Error!.Message);
    }

    [Fact]
    public async Task A_FlowSuspensions_registered_in_DI_is_the_default_store_of_the_flows_AddFlowGen_registers()
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(Suspensions());
        builder.Services.AddSingleton(new FlakyShop { PaymentsDown = true });
        builder.Services.AddFlowGen(builder.Configuration);
        using var host = builder.Build();
        var flow = host.Services.GetRequiredService<SuspendOrderFlow>();

        var failed = await flow.RunAsync(new ShopOrder("o-4", 2));
        host.Services.GetRequiredService<FlakyShop>().PaymentsDown = false;
        var resumed = await flow.ResumeSuspendedAsync(failed.Error!.SuspendedId!);

        Assert.Equal("paid 2, reserved 2", resumed.Value);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
