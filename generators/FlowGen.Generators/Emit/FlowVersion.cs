using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Emit;

/// <summary>
/// A flow's structural version: a hash of what the compiled flow does (nodes, flows, conditions, task bindings,
/// settings, bus and request types), and of nothing that does not change that (names, comments, layout, file
/// name, line numbers). Two builds of an unchanged flow have the same version; any change a run could notice
/// gives a new one.
/// </summary>
internal static class FlowVersion
{
    public static string Compute(BoundFlow flow)
    {
        var text = new StringBuilder();
        void Line(params object?[] parts) => text.Append(string.Join("|", parts.Select(p => Convert.ToString(p, CultureInfo.InvariantCulture)))).Append('\n');

        // The flow id is a name too: the start node is written as <start>, so that an old build kept under another id
        // (docs/versions.md) has the version of the instances it continues.
        var flowId = flow.Flow.FlowId;
        string Id(string? id) => id == flowId ? "<start>" : id ?? "";
        Line("flow", flow.Class.RequestType, flow.Class.ResultType);
        foreach (var field in flow.Fields) Line("bus", field.FieldName, field.Type);
        foreach (var node in flow.Nodes)
        {
            var n = node.Node;
            Line("node", Id(n.Id), n.Kind, n.Scope, node.IncomingCount, node.IsSkipped);
            // 'continues' marks a kept copy of a flow, which must keep the version of the instances it continues.
            foreach (var property in n.Properties.Where(p => p.Name != "continues").OrderBy(p => p.Name, StringComparer.Ordinal)) Line("set", property.Name, property.Value);
            foreach (var assignment in node.Assignments) Line("assign", assignment.Field, assignment.Code);
            Call("call", node.Call);
            Call("fallback", node.Fallback);
            if (node.Policy is { } policy) Line("policy", policy.TimeoutMilliseconds, policy.Retries, policy.RetryDelayMilliseconds, policy.Backoff, policy.IgnoreFailure, policy.ContinueOnTimeout);
            // A line of its own, so that the versions of flows without error routes stay what they were.
            if (node.Policy is { CatchErrors: true } catching) Line("catch", string.Join(",", catching.ErrorCodes), catching.ErrorField);
            if (node.Iteration is { } iteration) Line("iterate", iteration.SourceCode, iteration.ItemType, iteration.Strategy, iteration.Parallelism);
            if (node.Loop is { } loop) Line("loop", loop.ExitTargetId, loop.IsHeader);
            foreach (var branch in node.Outgoing) Line("to", Id(branch.Edge.TargetId), branch.ConditionCode, branch.Edge.IsDefault, branch.IsBackEdge);
        }
        if (flow.RequestSchema is { } schema)
        {
            foreach (var field in schema.Fields) Request(field);
        }
        if (flow.Durable is { } durable)
        {
            // 'continues' is left out: a kept copy of a flow keeps the version of the instances it continues.
            Line("durable", durable.KeyCode, durable.TriggerEvent, durable.TriggerCondition, durable.FailurePolicy);
            foreach (var e in durable.Events) Line("event", e.Name, e.Type, e.KeyCode);
            foreach (var wait in durable.Waits)
            {
                Line("wait", Id(wait.NodeId));
                foreach (var arm in wait.Arms) Line("arm", Id(arm.NodeId), arm.EventName, arm.EventType, arm.ConditionCode, arm.ToField, arm.DurationTicks, arm.DateCode, Id(arm.ContinueAt));
            }
        }

        void Request(BoundRequestField field)
        {
            var f = field.Field;
            Line("request", field.Path, field.Member, field.Type, f.Type, f.Required, f.Default, f.Min, f.Max, f.MinLength, f.MaxLength, string.Join(",", f.Enum));
            foreach (var nested in field.Fields) Request(nested);
        }

        void Call(string kind, BoundCall? call)
        {
            if (call is null) return;
            Line(kind, call.ComponentName, call.TaskName, call.Receiver, call.MethodName, call.ReturnKind, call.ValueType,
                string.Join(",", call.Arguments), string.Join(",", call.Assignments.Select(a => a.Target + "." + a.Property)),
                string.Join(",", call.Abilities.Select(a => a.Ability + "=" + a.MethodName)));
        }

        using var sha = SHA256.Create();
        var hash = sha.ComputeHash(Encoding.UTF8.GetBytes(text.ToString()));
        var hex = new StringBuilder(16);
        for (var i = 0; i < 8; i++) hex.Append(hash[i].ToString("x2", CultureInfo.InvariantCulture));
        return hex.ToString();
    }
}
