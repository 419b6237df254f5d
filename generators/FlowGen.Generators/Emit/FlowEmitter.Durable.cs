using System.Globalization;
using FlowGen.Generators.Checks;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Emit;

/// <summary>
/// The durable part of a flow class (a flow with waits or a trigger): the wait nodes, which stop the run, and the
/// members the FlowEngine calls to start an instance, save its state as JSON, load it, and continue it with an
/// event, its timer or a resume. The state machine is the same one; only where a run starts and stops differs.
/// </summary>
internal sealed partial class FlowEmitter
{
    private const string Durable = "global::FlowGen.Durable";

    /// <summary>A wait node: it records where the instance waits (and its earliest timer) and the run stops there.</summary>
    private void WriteWait(BoundWait wait, string index)
    {
        var node = _nodes[wait.NodeId].Node;
        _w.Line($"// The run stops here and the engine persists the instance; {Describe(wait)} continues it (see Continue_{_names[node.Id]}).");
        _w.Open($"private {Vt} {RunName(node.Id)}(State state)");
        _w.Line($"if (!state.CanRun({index})) return default;");
        var timers = wait.Arms.Select((arm, i) => (Arm: arm, Index: i)).Where(a => a.Arm.EventName is null).ToList();
        if (timers.Count == 0)
        {
            _w.Line($"state.Wait({index});");
        }
        else
        {
            _w.Line("var now = state.Now;");
            var first = true;
            foreach (var (arm, i) in timers)
            {
                var due = arm.DateCode ?? $"now.AddTicks({arm.DurationTicks.ToString(CultureInfo.InvariantCulture)}L) /* {CSharpText.Comment(DescribeDuration(arm.DurationTicks))} */";
                var number = i.ToString(CultureInfo.InvariantCulture);
                if (first)
                {
                    _w.Line($"var due = {due};");
                    _w.Line($"var dueArm = {number};");
                    first = false;
                    continue;
                }
                _w.Line($"var due{number} = {due};");
                _w.Open($"if (due{number} < due)");
                _w.Line($"due = due{number};");
                _w.Line($"dueArm = {number};");
                _w.Close();
            }
            _w.Line($"state.Wait({index}, due, dueArm);");
        }
        _w.Line("return default;");
        _w.Close();
    }

    private string Describe(BoundWait wait)
        => string.Join(", ", wait.Arms.Select(a => a.EventName is { } name ? $"event {name}" : a.DateCode is not null ? "its date" : DescribeDuration(a.DurationTicks) + " later")).Replace("*/", "* /");

    private static string DescribeDuration(long ticks)
    {
        var span = TimeSpan.FromTicks(ticks);
        if (span.TotalDays >= 1 && span.Ticks % TimeSpan.TicksPerDay == 0) return span.TotalDays.ToString(CultureInfo.InvariantCulture) + " d";
        if (span.TotalHours >= 1 && span.Ticks % TimeSpan.TicksPerHour == 0) return span.TotalHours.ToString(CultureInfo.InvariantCulture) + " h";
        if (span.TotalMinutes >= 1 && span.Ticks % TimeSpan.TicksPerMinute == 0) return span.TotalMinutes.ToString(CultureInfo.InvariantCulture) + " min";
        if (span.Ticks % TimeSpan.TicksPerSecond == 0) return span.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s";
        return span.TotalMilliseconds.ToString(CultureInfo.InvariantCulture) + " ms";
    }

    private void WriteDurable(BoundDurable durable)
    {
        var result = $"global::FlowGen.FlowResult<{Class.ResultType}>";
        var json = "global::System.Text.Json.JsonSerializerOptions";
        var startNode = $"Node.{_names[_flow.Flow.FlowId]}";
        _w.Line("// ---- Durable: what a FlowEngine calls to start, save, load and continue instances of this flow. ----");
        _w.Line();
        _w.Line($"string {Durable}.IDurableFlow.Id => FlowId;");
        _w.Line();
        _w.Line($"string {Durable}.IDurableFlow.Version => FlowVersion;");
        _w.Line();
        _w.Line($"global::System.Type {Durable}.IDurableFlow.RequestType => typeof({Class.RequestType});");
        _w.Line();
        _w.Line($"string? {Durable}.IDurableFlow.Trigger => {CSharpText.StringLiteral(durable.TriggerEvent)};");
        _w.Line();
        if (durable.Continues is not null) _w.Line("// An older build kept beside the current one: the engine runs the instances of this version with it, and starts none.");
        _w.Line($"string? {Durable}.IDurableFlow.Continues => {CSharpText.StringLiteral(durable.Continues)};");
        _w.Line();
        _w.Line($"{Durable}.FlowFailurePolicy? {Durable}.IDurableFlow.FailurePolicy => {durable.FailurePolicy switch { "suspend" => Durable + ".FlowFailurePolicy.Suspend", "fail" => Durable + ".FlowFailurePolicy.Fail", _ => "null" }};");
        _w.Line();
        _w.Line("// The events this flow takes, with their types.");
        _w.Line("private static readonly global::System.Collections.Generic.IReadOnlyDictionary<string, global::System.Type> s_events = new global::System.Collections.Generic.Dictionary<string, global::System.Type>");
        _w.Line("{");
        foreach (var e in durable.Events)
            _w.Line($"    [{CSharpText.StringLiteral(e.Name)}] = typeof({e.Type}),");
        _w.Line("};");
        _w.Line();
        _w.Line($"global::System.Collections.Generic.IReadOnlyDictionary<string, global::System.Type> {Durable}.IDurableFlow.Events => s_events;");
        _w.Line();
        _w.Line("// The events each node waits for (null: the node is not a wait).");
        _w.Line($"private static readonly string[]?[] s_waitEvents = {{ {string.Join(", ", _flow.Nodes.Select(n => WaitEvents(durable, n.Node.Id)))} }};");
        _w.Line();

        // Routing: the key of each event, and whether an event starts an instance.
        _w.Line("/// <summary>The correlation key an event is routed by to this flow's instances, or null when the flow does not take it.</summary>");
        _w.Open($"string? {Durable}.IDurableFlow.KeyOf({Durable}.FlowEvent flowEvent)");
        _w.Open("switch (flowEvent.Name)");
        foreach (var e in durable.Events)
            _w.Line($"case {CSharpText.StringLiteral(e.Name)}: {{ return flowEvent.Payload is {e.Type} e ? {e.KeyCode ?? "null"} : null; }}");
        _w.Line("default: return null;");
        _w.Close();
        _w.Close();
        _w.Line();
        if (durable.TriggerEvent is { } trigger)
        {
            var condition = durable.TriggerCondition is null ? "" : $" && ({durable.TriggerCondition})";
            _w.Line("/// <summary>True when the event starts an instance: the trigger event, and the trigger's condition holds.</summary>");
            _w.Line($"bool {Durable}.IDurableFlow.Starts({Durable}.FlowEvent flowEvent) => flowEvent.Name == {CSharpText.StringLiteral(trigger)} && flowEvent.Payload is {Class.RequestType} e{condition};");
        }
        else
        {
            _w.Line("// Instances start from a request (FlowEngine.StartAsync), never from an event.");
            _w.Line($"bool {Durable}.IDurableFlow.Starts({Durable}.FlowEvent flowEvent) => false;");
        }
        _w.Line();
        _w.Line("/// <summary>The instance's correlation key, read from its request (null: the engine keys the instance by its id).</summary>");
        _w.Line(durable.KeyCode is { } keyCode
            ? $"string? {Durable}.IDurableFlow.KeyOfRequest(object request) => request is {Class.RequestType} typed ? {keyCode.Replace("state.Request", "typed")} : null;"
            : $"string? {Durable}.IDurableFlow.KeyOfRequest(object request) => null;");
        _w.Line();

        // Start, continue, resume.
        _w.Open($"async {Vt}<{Durable}.DurableStep> {Durable}.IDurableFlow.StartAsync(object request, {Durable}.DurableStepContext context)");
        _w.Line($"if (request is not {Class.RequestType} typed) throw new global::System.ArgumentException(\"flow '\" + FlowId + {CSharpText.StringLiteral("' starts with a " + Short(Class.RequestType) + ", not a ")} + request.GetType().Name, nameof(request));");
        _w.Line("var state = Durable(context);");
        _w.Line("state.Request = typed;");
        _w.Line($"var result = await RunFromAsync(state, {startNode}, context.Options, context.CancellationToken, recycle: false).ConfigureAwait(false);");
        _w.Line("return Step(state, result, context, caught: null);");
        _w.Close();
        _w.Line();
        _w.Open($"async {Vt}<{Durable}.DurableStep> {Durable}.IDurableFlow.ContinueAsync(global::System.ReadOnlyMemory<byte> saved, {Durable}.DurableSignal signal, {Durable}.DurableStepContext context)");
        _w.Line("var state = Durable(context);");
        _w.Line("var at = Load(state, saved.Span, context.Json);");
        _w.Open($"if (signal.Kind == {Durable}.DurableSignalKind.Resume)");
        _w.Line("// A resume enters again every node the instance stopped at (a failed task runs again).");
        _w.Line("var resumed = await EnterAllAsync(state, at, context).ConfigureAwait(false);");
        _w.Line("return Step(state, resumed, context, caught: null);");
        _w.Close();
        _w.Open("if (at.Length != 1)");
        _w.Line("Recycle(state);");
        _w.Line($"return {Durable}.DurableStep.NotAccepted;");
        _w.Close();
        _w.Line("int next;");
        _w.Line("string? caught;");
        _w.Open("try");
        _w.Line("next = Continue(state, at[0], signal, out caught);");
        _w.Close();
        _w.Open("catch (global::System.Exception exception)");
        _w.Line("// A condition over the event threw: the step fails at the wait, as a gateway's condition would.");
        _w.Line("return Step(state, ConditionFailed(state, at[0], exception, context), context, caught: null);");
        _w.Close();
        _w.Open("if (next < 0)");
        _w.Line("Recycle(state);");
        _w.Line($"return {Durable}.DurableStep.NotAccepted;");
        _w.Close();
        _w.Line("var result = await RunFromAsync(state, (Node)next, context.Options, context.CancellationToken, recycle: false).ConfigureAwait(false);");
        _w.Line("return Step(state, result, context, caught);");
        _w.Close();
        _w.Line();
        _w.Open($"private async {Vt}<{result}> EnterAllAsync(State state, int[] nodes, {Durable}.DurableStepContext context)");
        _w.Line($"if (state.BeginRun(global::FlowGen.FlowRunOptions.Combine(context.Options, _defaultOptions), context.CancellationToken, resume: false) is {{ }} refused) return {result}.Failure(refused);");
        _w.Line($"var running = new {Vt}[nodes.Length];");
        _w.Line("for (var i = 0; i < nodes.Length; i++) running[i] = Enter(state, (Node)nodes[i]);");
        _w.Line("foreach (var branch in running) await branch.ConfigureAwait(false);");
        _w.Line("return state.EndRun(state.Result);");
        _w.Close();
        _w.Line();
        _w.Open($"private {result} ConditionFailed(State state, int at, global::System.Exception exception, {Durable}.DurableStepContext context)");
        _w.Line($"if (state.BeginRun(global::FlowGen.FlowRunOptions.Combine(context.Options, _defaultOptions), context.CancellationToken, resume: false) is {{ }} refused) return {result}.Failure(refused);");
        _w.Line("state.Fail(at, global::FlowGen.FlowErrorCodes.ConditionFailed, \"a condition of the wait threw \" + exception.GetType().Name + \": \" + exception.Message, exception);");
        _w.Line("return state.EndRun(state.Result);");
        _w.Close();
        _w.Line();
        _w.Line("// A step's state: the thread's spare one (as RunAsync uses), run by the engine.");
        _w.Open($"private static State Durable({Durable}.DurableStepContext context)");
        _w.Line("var state = t_spare;");
        _w.Line("t_spare = null;");
        _w.Line("// A spare that has started belongs to a run on this thread that started this step (or was left by one that threw).");
        _w.Line("if (state is null || state.HasStarted) state = new State(default!);");
        _w.Line("state.Clock = context.Clock;");
        _w.Line("state.RunsDurably = true;");
        _w.Line("return state;");
        _w.Close();
        _w.Line();
        _w.Open("private static void Recycle(State state)");
        _w.Line("state.Clear();");
        _w.Line("t_spare ??= state;");
        _w.Close();
        _w.Line();
        _w.Open($"private static {Durable}.DurableStep Step(State state, {result} result, {Durable}.DurableStepContext context, string? caught)");
        _w.Line($"var outcome = {Durable}.DurableSteps.Outcome(state, result.Error);");
        _w.Line($"var step = {Durable}.DurableSteps.Make(state, outcome, Save(state, outcome.At, context.Json), s_waitEvents, result.Value, result.Trace, caught);");
        _w.Line("// The step holds what it needs (the saved bytes, the result, the error): the state can serve the next one.");
        _w.Line("Recycle(state);");
        _w.Line("return step;");
        _w.Close();
        _w.Line();

        // Continue: per wait, which arm an event or the timer takes.
        _w.Line("// Where an event or the timer takes an instance waiting at a node: the node it goes on at, or -1 when the wait");
        _w.Line("// does not take it (another event, a condition that does not hold, a timer that is not due).");
        _w.Open($"private static int Continue(State state, int at, {Durable}.DurableSignal signal, out string? caught)");
        _w.Open("switch ((Node)at)");
        foreach (var wait in durable.Waits)
            _w.Line($"case Node.{_names[wait.NodeId]}: return Continue_{_names[wait.NodeId]}(state, signal, out caught);");
        _w.Line("default:");
        _w.Line("    caught = null;");
        _w.Line("    return -1;");
        _w.Close();
        _w.Close();
        foreach (var wait in durable.Waits)
        {
            _w.Line();
            var node = _nodes[wait.NodeId].Node;
            _w.Line($"// {CSharpText.Comment(node.Describe())}, {CSharpText.Comment(_flow.Flow.FileName)} line {(node.Location.StartLine + 1).ToString(CultureInfo.InvariantCulture)}: waits for {CSharpText.Comment(Describe(wait))}.");
            _w.Open($"private static int Continue_{_names[wait.NodeId]}(State state, {Durable}.DurableSignal signal, out string? caught)");
            for (var i = 0; i < wait.Arms.Count; i++)
            {
                var arm = wait.Arms[i];
                var target = $"(int)Node.{_names[arm.ContinueAt]}";
                if (arm.EventName is { } name)
                {
                    var edge = _nodes[wait.NodeId].Node.Kind == NodeKind.EventGateway
                        ? _nodes[wait.NodeId].Outgoing.FirstOrDefault(b => b.Edge.TargetId == arm.NodeId)?.Edge : null;
                    _w.Line($"// {CSharpText.Comment(arm.NodeId)}: event {CSharpText.Comment(name)}{(edge?.Condition is { } c ? ", when " + CSharpText.Comment(c.Text) : "")}");
                    _w.OpenBlock();
                    if (arm.ConditionCode is { } condition && edge?.Condition is { } source)
                    {
                        _w.Line($"if (signal.Event is {{ Name: {CSharpText.StringLiteral(name)}, Payload: {arm.EventType} e }}");
                        _w.MappedLine($"    && ({condition}))", source.Location);
                    }
                    else
                    {
                        _w.Line($"if (signal.Event is {{ Name: {CSharpText.StringLiteral(name)}, Payload: {arm.EventType} e }})");
                    }
                    _w.OpenBlock();
                    if (arm.ToField is { } to)
                    {
                        _w.Line($"{to} = e;");
                        WriteWrittenFlag(to);
                    }
                    _w.Line($"caught = {CSharpText.StringLiteral(arm.NodeId)};");
                    _w.Line($"return {target};");
                    _w.Close();
                    _w.Close();
                }
                else
                {
                    _w.Line($"// {CSharpText.Comment(arm.NodeId)}: {(arm.DateCode is null ? CSharpText.Comment(DescribeDuration(arm.DurationTicks)) + " after the wait began" : "at its date")}");
                    _w.Open($"if (signal.Kind == {Durable}.DurableSignalKind.Timer && state.WaitDueArm == {i.ToString(CultureInfo.InvariantCulture)})");
                    _w.Line($"caught = {CSharpText.StringLiteral(arm.NodeId)};");
                    _w.Line($"return {target};");
                    _w.Close();
                }
            }
            _w.Line("caught = null;");
            _w.Line("return -1;");
            _w.Close();
        }
        _w.Line();
        WriteSaveLoad(json);
    }

    private string WaitEvents(BoundDurable durable, string nodeId)
    {
        var wait = durable.Waits.FirstOrDefault(w => w.NodeId == nodeId);
        if (wait is null) return "null";
        var names = wait.Arms.Where(a => a.EventName is not null).Select(a => a.EventName!).Distinct().ToList();
        return names.Count == 0 ? "global::System.Array.Empty<string>()" : $"new[] {{ {string.Join(", ", names.Select(CSharpText.StringLiteral))} }}";
    }

    /// <summary>The state as JSON: where the instance is, its timer, the request, the result, the bus values and the join counts.</summary>
    private void WriteSaveLoad(string json)
    {
        var joins = _flow.Nodes.Where(IsJoin).Select(n => _names[n.Node.Id]).ToList();
        _w.Line("// The state as JSON, written and read through the options' source-generated type information (no reflection).");
        _w.Open($"private static byte[] Save(State state, int[] at, {json} json)");
        _w.Line($"var writer = {Durable}.FlowStateJson.BeginState();");
        _w.Line($"{Durable}.FlowStateJson.WritePosition(writer, state, at);");
        _w.Line($"{Durable}.FlowStateJson.Write(writer, \"req\", state.Request, json);");
        _w.Line($"{Durable}.FlowStateJson.Write(writer, \"res\", state.Result, json);");
        foreach (var field in _flow.Fields)
        {
            _w.Line($"{Durable}.FlowStateJson.Write(writer, {CSharpText.StringLiteral(field.Scope + "." + field.BusName)}, state.{field.FieldName}, json);");
            if (_flagged.Contains("state." + field.FieldName))
                _w.Line($"writer.WriteBoolean({CSharpText.StringLiteral("written." + field.Scope + "." + field.BusName)}, state.{field.FieldName}{BusChecks.WrittenSuffix});");
        }
        foreach (var join in joins)
        {
            _w.Line($"writer.WriteNumber({CSharpText.StringLiteral("join." + join + ".pending")}, state.{join}_pending);");
            _w.Line($"writer.WriteNumber({CSharpText.StringLiteral("join." + join + ".live")}, state.{join}_live);");
        }
        _w.Line($"return {Durable}.FlowStateJson.EndState(writer);");
        _w.Close();
        _w.Line();
        _w.Open($"private static int[] Load(State state, global::System.ReadOnlySpan<byte> saved, {json} json)");
        _w.Line("var reader = new global::System.Text.Json.Utf8JsonReader(saved);");
        _w.Line("int[] at = global::System.Array.Empty<int>();");
        _w.Open($"while ({Durable}.FlowStateJson.NextProperty(ref reader))");
        var reads = new List<(string Name, string Assign)>
        {
            ("req", $"state.Request = {Durable}.FlowStateJson.Read<{Class.RequestType}>(ref reader, json)!;"),
            ("res", $"state.Result = {Durable}.FlowStateJson.Read<{Class.ResultType}>(ref reader, json)!;"),
        };
        foreach (var field in _flow.Fields)
        {
            reads.Add((field.Scope + "." + field.BusName, $"state.{field.FieldName} = {Durable}.FlowStateJson.Read<{field.Type}>(ref reader, json)!;"));
            if (_flagged.Contains("state." + field.FieldName))
                reads.Add(("written." + field.Scope + "." + field.BusName, $"state.{field.FieldName}{BusChecks.WrittenSuffix} = {Durable}.FlowStateJson.Read<bool>(ref reader, json);"));
        }
        foreach (var join in joins)
        {
            reads.Add(("join." + join + ".pending", $"state.{join}_pending = {Durable}.FlowStateJson.ReadInt32(ref reader);"));
            reads.Add(("join." + join + ".live", $"state.{join}_live = {Durable}.FlowStateJson.ReadInt32(ref reader);"));
        }
        for (var i = 0; i < reads.Count; i++)
            _w.Line($"{(i == 0 ? "" : "else ")}if (reader.ValueTextEquals({CSharpText.StringLiteral(reads[i].Name)}u8)) {reads[i].Assign}");
        _w.Line($"else {Durable}.FlowStateJson.ReadPosition(ref reader, state, ref at);");
        _w.Close();
        _w.Line("return at;");
        _w.Close();
        _w.Line();
    }

    private static string Short(string type) => type.Replace("global::", "");
}
