#!/usr/bin/env bash
# Packs FlowGen into a local folder feed, then builds and runs a throwaway consumer project that references
# the package the way a user would: no project references, no AdditionalFiles items (the package's build
# targets add the flow files), a BPMN, a JSON and a YAML flow and a fluent one. Exits non-zero on failure.
# Usage: eng/package-smoke.sh [Configuration]   (run after a build of that configuration)
set -euo pipefail
cd "$(dirname "$0")/.."
configuration=${1:-Release}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A version of its own each run, so the global package cache never serves an older build.
version="0.1.0-smoke.$(date +%s)"

dotnet pack src/FlowGen -c "$configuration" --no-build -o "$work/feed" -p:Version="$version" -nologo -v quiet
dotnet pack src/FlowGen.Persistence.Sqlite -c "$configuration" --no-build -o "$work/feed" -p:Version="$version" -nologo -v quiet
dotnet pack src/FlowGen.Persistence.PostgreSql -c "$configuration" --no-build -o "$work/feed" -p:Version="$version" -nologo -v quiet
dotnet pack src/FlowGen.Hosting -c "$configuration" --no-build -o "$work/feed" -p:Version="$version" -nologo -v quiet

# The diagnostics pages ship in the package: the default help links open them (docs/diagnostics/README.md).
nupkg="$work/feed/FlowGen.$version.nupkg"
unzip -l "$nupkg" > "$work/contents.txt"
for entry in docs/diagnostics/FG0001.md docs/diagnostics/FG0106.md build/FlowGen.Generator.targets; do
  grep -q " $entry\$" "$work/contents.txt" || { echo "package smoke test: $entry is not in $nupkg" >&2; exit 1; }
done

mkdir -p "$work/consumer/Flows"
cat > "$work/consumer/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$work/feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>
XML
cat > "$work/consumer/Consumer.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="FlowGen" Version="$version" />
    <PackageReference Include="FlowGen.Hosting" Version="$version" />
    <PackageReference Include="FlowGen.Persistence.Sqlite" Version="$version" />
    <PackageReference Include="FlowGen.Persistence.PostgreSql" Version="$version" />
  </ItemGroup>
</Project>
XML
cat > "$work/consumer/Flows/price.flow.yaml" <<'YAML'
flow: price-yaml
request:
  amount: { type: integer, min: 1 }
steps:
  - { id: base, task-component: prices, task-service: base }
  - { id: discount, task-component: prices, task-service: discount, when: "sta.price > 100" }
  - { id: total, task-component: prices, task-service: total }
YAML
cat > "$work/consumer/Flows/price.flow.json" <<'JSON'
{ "flow": "price-json", "steps": [
  { "id": "base", "task-component": "prices", "task-service": "base" },
  { "id": "total", "task-component": "prices", "task-service": "total-plain" } ] }
JSON
cat > "$work/consumer/Flows/price.bpmn" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="price-bpmn" />
    <bpmn:serviceTask id="base"><bpmn:extensionElements><camunda:properties><camunda:property name="task-component" value="prices" /><camunda:property name="task-service" value="base" /></camunda:properties></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:serviceTask id="total"><bpmn:extensionElements><camunda:properties><camunda:property name="task-component" value="prices" /><camunda:property name="task-service" value="total-plain" /></camunda:properties></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f1" sourceRef="price-bpmn" targetRef="base" />
    <bpmn:sequenceFlow id="f2" sourceRef="base" targetRef="total" />
    <bpmn:sequenceFlow id="f3" sourceRef="total" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
XML
cat > "$work/consumer/Flows/pay.flow.yaml" <<'YAML'
flow: pay
key: req.orderId
actions:
  - name: Wait
    type: receive
    receive:
      - { event: paid, to: sta.payment, then: call("Ship") }
      - { after: 1d, then: fail("UNPAID") }
  - { name: Ship, task-component: prices, task-service: ship }
YAML
cat > "$work/consumer/Program.cs" <<'CS'
using FlowGen;
using FlowGen.Durable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// FlowGen.Hosting: AddFlowGen() finds this assembly's generated flows and components; AddDurableFlows() runs the
// durable ones on the store the app chose (FlowGen.Persistence.Sqlite here; PostgreSQL when asked for).
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddFlowGen(builder.Configuration);
builder.Services.AddDurableFlows(o => o.JsonContexts.Add(PayJson.Default));
if (Environment.GetEnvironmentVariable("SMOKE_POSTGRES") is { } postgres) builder.Services.AddPostgreSqlFlowStore(postgres);
else builder.Services.AddSqliteFlowStore(Path.Combine(AppContext.BaseDirectory, "smoke-flows.db"));
using var host = builder.Build();
await host.StartAsync();
var services = host.Services;
var results = new List<string>();
foreach (var flow in new IFlow<PriceRequest, string>[] { services.GetRequiredService<PriceYaml>(), services.GetRequiredService<PriceJson>(), services.GetRequiredService<PriceBpmn>(), services.GetRequiredService<PriceFluent>() })
{
    var result = await flow.RunAsync(new PriceRequest(150));
    results.Add(result.IsSuccess ? result.Value! : result.Error.ToString());
}
var invalid = await services.GetRequiredService<PriceYaml>().RunAsync(new PriceRequest(0));
results.Add(invalid.IsSuccess ? "valid?" : invalid.Error.Code);

// A durable flow from the package: it waits for the payment event, then ships.
var engineOptions = new FlowEngineOptions();
engineOptions.JsonContexts.Add(PayJson.Default);
await using (var engine = new FlowEngine([services.GetRequiredService<PayFlow>()], new InMemoryFlowStore(), engineOptions))
{
    await engine.StartAsync();
    await engine.StartInstanceAsync("pay", new PayRequest("o-1"));
    await engine.PublishAsync(new FlowEvent("paid", new Paid("o-1", 12.5m)));
    await engine.DrainAsync();
    results.Add((await engine.FindAsync("pay", "o-1"))?.Status.ToString() ?? "none");
}

// The same flow under the hosted engine, on the SQLite file: an event through the in-process channel.
var hosted = services.GetRequiredService<FlowEngine>();
var key = "o-" + Guid.NewGuid().ToString("N");
await hosted.StartInstanceAsync("pay", new PayRequest(key));
await services.GetRequiredService<FlowEventChannel>().WriteAsync("paid", new Paid(key, 12.5m));
for (var i = 0; i < 200 && (await hosted.FindAsync("pay", key))?.Status != FlowInstanceStatus.Completed; i++) await Task.Delay(50);
results.Add(hosted.Store.GetType().Name + " " + ((await hosted.FindAsync("pay", key))?.Status.ToString() ?? "none"));
await host.StopAsync();
Console.WriteLine(string.Join(" | ", results));
return string.Join(" | ", results) == "total=135 | total=150 | total=150 | total=150 | FLOW_VALIDATION_FAILED | Completed | SqliteFlowStore Completed" ? 0 : 1;

public sealed record PriceRequest(int? Amount);
public sealed record PayRequest(string OrderId);
[FlowEvent("paid")] public sealed record Paid(string OrderId, decimal Amount);
[Flow("pay")] public sealed partial class PayFlow : IFlow<PayRequest, string>;
[System.Text.Json.Serialization.JsonSerializable(typeof(PayRequest))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Paid))]
internal sealed partial class PayJson : System.Text.Json.Serialization.JsonSerializerContext;

[FlowComponent("prices")]
public sealed class Prices
{
    [FlowTask("base"), ToState("price")] public int Base(PriceRequest request) => request.Amount ?? 0;
    [FlowTask("discount"), ToVar("discount")] public int Discount([FromState("price")] int price) => price / 10;
    [FlowTask("total-plain"), ToResult] public string TotalPlain([FromState("price")] int price) => $"total={price}";
    [FlowTask("total"), ToResult] public string Total([FromState("price")] int price, [FromVar("discount")] int? discount) => $"total={price - (discount ?? 0)}";
    [FlowTask("ship"), ToResult] public string Ship([FromState("payment")] Paid payment) => $"shipped {payment.OrderId}";
}

[Flow("price-yaml")] public sealed partial class PriceYaml : IFlow<PriceRequest, string>;
[Flow("price-json")] public sealed partial class PriceJson : IFlow<PriceRequest, string>;
[Flow("price-bpmn")] public sealed partial class PriceBpmn : IFlow<PriceRequest, string>;

[Flow("price-fluent")]
public sealed partial class PriceFluent : IFlow<PriceRequest, string>
{
    [FlowDefinition]
    private static void Define(FlowBuilder<PriceRequest> flow) => flow.Task<Prices>(p => p.Base).Task<Prices>(p => p.TotalPlain);
}
CS

dotnet run --project "$work/consumer" -nologo

# Camunda element templates of the consumer's tasks, written by the build when the property names a folder.
dotnet build "$work/consumer" -nologo -v quiet -p:FlowGenElementTemplates=element-templates
for flavour in camunda7 camunda8; do
  file="$work/consumer/element-templates/flowgen.$flavour.json"
  grep -q '"id": "flowgen.prices.' "$file" || { echo "package smoke test: $file has no template of the consumer's tasks" >&2; exit 1; }
done

# A flow file with an error: the build fails with the FG error, whose help link (read from the SARIF log) is a file
# URI to the page in the restored package, and that page exists.
printf '<definitions>\n<process id="p">\n' > "$work/consumer/Flows/broken.bpmn"
if dotnet build "$work/consumer" -nologo -v quiet -p:ErrorLog="$work/errors.sarif,version=2.1" > "$work/broken.log" 2>&1; then
  echo "package smoke test: a broken flow file built without an error" >&2; exit 1
fi
grep -q "FG0001" "$work/broken.log" || { echo "package smoke test: no FG0001 for the broken flow file" >&2; cat "$work/broken.log" >&2; exit 1; }
help=$(grep -o '"helpUri": *"file://[^"]*/docs/diagnostics/FG0001.md"' "$work/errors.sarif" | head -1 | sed 's/.*"\(file:[^"]*\)"/\1/')
page=${help#file://}
[ -n "$help" ] && [ -f "$page" ] || { echo "package smoke test: FG0001's help link '$help' does not open a shipped page" >&2; exit 1; }
rm "$work/consumer/Flows/broken.bpmn"

# Incremental builds see a deleted flow file (issue 22): a flow and its class build; once the file is deleted, the
# next build must compile again and fail on the class that lost its flow, not keep the deleted flow's code.
cat > "$work/consumer/Flows/extra.flow.yaml" <<'YAML'
flow: extra
steps:
  - { id: base, task-component: prices, task-service: base }
  - { id: total, task-component: prices, task-service: total-plain }
YAML
cat > "$work/consumer/Extra.cs" <<'CS'
[FlowGen.Flow("extra")] public sealed partial class ExtraFlow : FlowGen.IFlow<PriceRequest, string>;
CS
dotnet build "$work/consumer" -nologo -v quiet
rm "$work/consumer/Flows/extra.flow.yaml"
if dotnet build "$work/consumer" -nologo -v quiet > "$work/after-delete.log" 2>&1; then
  echo "package smoke test: the build after deleting Flows/extra.flow.yaml succeeded: the compiler was skipped and the deleted flow's code kept" >&2
  exit 1
fi
rm "$work/consumer/Extra.cs"
dotnet build "$work/consumer" -nologo -v quiet
# FlowGen.Hosting alone brings no store and no database driver (issue 22): an app without durable flows stays small.
mkdir -p "$work/hostonly"
cp "$work/consumer/nuget.config" "$work/hostonly/"
cat > "$work/hostonly/HostOnly.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup>
    <PackageReference Include="FlowGen" Version="$version" />
    <PackageReference Include="FlowGen.Hosting" Version="$version" />
  </ItemGroup>
</Project>
XML
dotnet restore "$work/hostonly" -nologo -v quiet
if grep -qi '"Microsoft.Data.Sqlite\|"Npgsql\|"FlowGen.Persistence' "$work/hostonly/obj/project.assets.json"; then
  echo "package smoke test: FlowGen.Hosting pulls a store or a database driver" >&2; exit 1
fi

echo "package smoke test: the packed FlowGen and FlowGen.Hosting $version compiled and ran BPMN, JSON, YAML and fluent flows, and a durable flow on the FlowEngine and under AddDurableFlows with AddSqliteFlowStore; FlowGen.Hosting alone pulled no store; a broken flow file's help link opened the shipped page; deleting a flow file rebuilt the project"
