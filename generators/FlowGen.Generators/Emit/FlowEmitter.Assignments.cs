using FlowGen.Generators.Model;

namespace FlowGen.Generators.Emit;

/// <summary>
/// A node's <c>set</c>: one method per node that writes its bus values from their expressions, in the order written,
/// after the node's work and before the flows out of it. An expression that throws fails the run at the node
/// (<c>FLOW_ASSIGNMENT_FAILED</c>, naming the value). See docs/assignments.md.
/// </summary>
internal sealed partial class FlowEmitter
{
    private string SetName(BoundNode bound) => "Set_" + _names[bound.Node.Id];

    /// <summary>The call of the node's set method (<c>Set_x(state)</c>, true when every value was written), or null when it sets nothing.</summary>
    private string? SetCall(BoundNode bound) => bound.Assignments.Count == 0 ? null : $"{SetName(bound)}(state)";

    /// <summary>After the node's work: its set, leaving the method (with <paramref name="leave"/>) when an expression threw.</summary>
    private void WriteSet(BoundNode bound, string leave)
    {
        if (SetCall(bound) is { } call) _w.Line($"if (!{call}) {leave}");
    }

    /// <summary>The node's set method, when it has assignments.</summary>
    private void WriteSetMethod(BoundNode bound)
    {
        if (bound.Assignments.Count == 0) return;
        {
            _w.Line();
            var index = $"(int)Node.{_names[bound.Node.Id]}";
            _w.Line($"// The set of {CSharpText.Comment(bound.Node.Describe())}: its bus values, in the order the flow file writes them.");
            _w.Open($"private static bool {SetName(bound)}(State state)");
            var several = bound.Assignments.Count > 1;
            if (several) _w.Line($"var writing = {CSharpText.StringLiteral(bound.Assignments[0].BusName)};");
            _w.Open("try");
            for (var i = 0; i < bound.Assignments.Count; i++)
            {
                var assignment = bound.Assignments[i];
                if (i > 0) _w.Line($"writing = {CSharpText.StringLiteral(assignment.BusName)};");
                if (assignment.IsStatement)
                {
                    _w.Line($"// {CSharpText.Comment(assignment.BusName)}: {CSharpText.Comment(assignment.Text)}");
                    _w.MappedLine($"{assignment.Code};", assignment.Location);
                    continue;
                }
                _w.Line($"// {CSharpText.Comment(assignment.BusName)} = {CSharpText.Comment(assignment.Text)}");
                _w.MappedLine($"{assignment.Field} = {assignment.Code};", assignment.Location);
                WriteWrittenFlag(assignment.Field);
            }
            _w.Line("return true;");
            _w.Close();
            _w.Open("catch (global::System.Exception exception)");
            var prefix = several ? "\"setting \" + writing + \" threw \"" : CSharpText.StringLiteral((bound.Assignments[0].IsStatement ? "" : "setting ") + bound.Assignments[0].BusName + " threw ");
            _w.Line($"state.Fail({index}, global::FlowGen.FlowErrorCodes.AssignmentFailed, {prefix} + exception.GetType().Name + \": \" + exception.Message, exception);");
            _w.Line("return false;");
            _w.Close();
            _w.Close();
        }
    }
}
