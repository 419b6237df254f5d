using FlowGen.Generators.Binding;
using FlowGen.Generators.Checks;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Emit;

/// <summary>
/// Synchronous stretches: a run of nodes that never await (synchronous tasks without policies, exclusive gateways,
/// the start and end events between them) compiled into one method with one try/catch and a current-node local, so
/// that a plain run pays for a method call and an exception frame per stretch instead of two per node. The node
/// methods stay: they run a stretch for a run with interceptors, a trace, task spans or a timeout, and a resumed run
/// that enters a stretch in its middle. See docs/generated-code.md, "Fused synchronous stretches".
/// </summary>
internal sealed partial class FlowEmitter
{
    // The head of each stretch -> its members in the order their blocks are written (the head first).
    private readonly Dictionary<string, List<BoundNode>> _stretches = new(StringComparer.Ordinal);
    // Every member of a stretch -> the head of its stretch.
    private readonly Dictionary<string, string> _stretchOf = new(StringComparer.Ordinal);
    // True when nothing runs beside a stretch (no fork, no subprocess scope); the nodes right after a task that takes the FlowContext.
    private bool _lean;
    private readonly HashSet<string> _afterContext = new(StringComparer.Ordinal);

    /// <summary>
    /// The most nodes in one stretch: a longer chain is several stretches, each ending in the next one's node method, so
    /// that no method grows past what the C# compiler and the JIT handle well (a local per block, one exception frame).
    /// </summary>
    private const int MaxStretch = 64;

    /// <summary>
    /// Finds the stretches: from each node that can be fused and belongs to no stretch yet, the fusable nodes it
    /// reaches, each taken by the first stretch that reaches it. A stretch needs two nodes or more.
    /// </summary>
    private void FindStretches()
    {
        // In a flow where nothing runs beside a stretch, only a cancellation or a task that takes the run's FlowContext (and
        // may end or suspend it) can stop the run between two blocks: a block after neither needs only the token's check.
        _lean = _scopeIndexes.Count == 0 && !_flow.Nodes.Any(n => n.Outgoing.Count > 1 && n.Node.Kind != NodeKind.ExclusiveGateway);
        foreach (var node in _flow.Nodes.Where(n => n.Call is { } c && c.Arguments.Contains(BusChecks.ContextArgument)))
        {
            foreach (var branch in node.Outgoing) _afterContext.Add(branch.Edge.TargetId);
        }

        foreach (var head in _flow.Nodes)
        {
            if (_stretchOf.ContainsKey(head.Node.Id) || !CanFuse(head) || head.Outgoing.Count == 0) continue;
            // Depth-first from the head, with a stack of its own; members are written in reverse post-order, so that a
            // block comes after every member that goes to it and a chain falls through from block to block. The flows
            // out of a node are walked last to first, so that a gateway's targets are written in the flow file's order.
            var claimed = new HashSet<string>(StringComparer.Ordinal) { head.Node.Id };
            var order = new List<BoundNode>();
            var stack = new Stack<(BoundNode Node, int Next)>();
            stack.Push((head, 0));
            while (stack.Count > 0)
            {
                var (node, next) = stack.Pop();
                var descended = false;
                for (var i = next; i < node.Outgoing.Count; i++)
                {
                    var branch = node.Outgoing[node.Outgoing.Count - 1 - i];
                    var target = _nodes[branch.Edge.TargetId];
                    if (branch.IsBackEdge || claimed.Contains(target.Node.Id) || _stretchOf.ContainsKey(target.Node.Id) || !CanFuse(target)) continue;
                    if (claimed.Count >= MaxStretch) break;
                    claimed.Add(target.Node.Id);
                    stack.Push((node, i + 1));
                    stack.Push((target, 0));
                    descended = true;
                    break;
                }
                if (!descended) order.Add(node);
            }
            if (order.Count < 2) continue;
            order.Reverse();
            _stretches[head.Node.Id] = order;
            foreach (var member in order) _stretchOf[member.Node.Id] = head.Node.Id;
        }
    }

    /// <summary>
    /// A node whose work never awaits and that keeps no count: the start event, an end event, a synchronous task
    /// with no policy, fallback or iteration, a pass-through and an exclusive gateway (with no service of its own)
    /// that tells no join about the flows it does not take. Not joins, loops, waits, subprocesses or the arms of an
    /// event gateway.
    /// </summary>
    private bool CanFuse(BoundNode bound)
    {
        var node = bound.Node;
        if (IsJoin(bound) || bound.Loop is not null || IsSubprocess(node) || SiblingArmSkips(bound).Count > 0) return false;
        if (_flow.Durable?.Waits.Any(w => w.NodeId == node.Id) == true) return false;
        switch (node.Kind)
        {
            case NodeKind.EndEvent:
                return true;
            case NodeKind.ExclusiveGateway:
                // A gateway with a service of its own (Kstry) calls it first: it goes node by node.
                return bound.Call is null && !bound.IsSkipped && !ExclusiveNeedsSkips(bound) && !OpenAsync(bound) && bound.Outgoing.Count > 0;
            case NodeKind.StartEvent:
            case NodeKind.ServiceTask:
                var passes = bound.Outgoing.Count == 1 && bound.Outgoing[0].ConditionCode is null && !bound.Outgoing[0].Edge.IsDefault;
                if (!passes) return false;
                if (bound.Call is null) return node.Kind == NodeKind.StartEvent || bound.IsSkipped || bound.Assignments.Count > 0;
                return IsSyncCall(bound) && bound.Policy is null && bound.Fallback is null;
            default:
                return false;
        }
    }

    /// <summary>An exclusive gateway that decides between flows (not a merge with one plain flow out).</summary>
    private static bool Chooses(BoundNode bound)
        => bound.Node.Kind == NodeKind.ExclusiveGateway && !(bound.Outgoing.Count == 1 && bound.Outgoing[0].ConditionCode is null);

    private string FusedName(string head) => "Fused_" + _names[head];

    /// <summary>The first line of a stretch head's node method: a plain run takes the fused stretch.</summary>
    private void WriteFusedDispatch(BoundNode bound)
    {
        if (!_stretches.TryGetValue(bound.Node.Id, out var members)) return;
        _w.Line($"// A run with no interceptors, trace, task spans or timeout takes the fused stretch {CSharpText.Comment(bound.Node.Id)} -> {CSharpText.Comment(members[members.Count - 1].Node.Id)}.");
        _w.Line($"if (_interceptors is null && state.RunsPlain) return {FusedName(bound.Node.Id)}(state);");
    }

    /// <summary>Writes every stretch as one method: one commented block per node, in the flow's order.</summary>
    private void WriteStretches()
    {
        if (_stretches.Count == 0) return;
        _w.Line("// ---- Synchronous stretches: nodes that never await, fused into one method each for plain runs. ----");
        _w.Line("// Each block is the node of the same name below; a plain run (no interceptors, trace, task spans or timeout)");
        _w.Line("// goes through a stretch with one exception frame, and `node` says which node a task's exception belongs to.");
        foreach (var pair in _stretches)
        {
            _w.Line();
            WriteStretch(pair.Key, pair.Value);
        }
        _w.Line();
    }

    private void WriteStretch(string head, List<BoundNode> members)
    {
        var inStretch = new HashSet<string>(members.Select(m => m.Node.Id), StringComparer.Ordinal);
        // A block needs a label when a member other than the one written just before it goes to it.
        var labelled = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < members.Count; i++)
        {
            var member = members[i];
            for (var b = 0; b < member.Outgoing.Count; b++)
            {
                var target = member.Outgoing[b].Edge.TargetId;
                if (!inStretch.Contains(target)) continue;
                var fallsThrough = !Chooses(member) && i + 1 < members.Count && members[i + 1].Node.Id == target;
                if (!fallsThrough) labelled.Add(target);
            }
        }

        _tail = true;
        _w.Line($"// {CSharpText.Comment(string.Join(" -> ", members.Select(m => m.Node.Id)))}");
        _w.Open($"private {Vt} {FusedName(head)}(State state)");
        _w.Line($"var node = Node.{_names[head]};");
        if (_lean) _w.Line("var cancellation = state.CancellationToken;");
        _w.Open("try");
        for (var i = 0; i < members.Count; i++)
        {
            var member = members[i];
            var next = i + 1 < members.Count ? members[i + 1].Node.Id : null;
            if (i > 0) _w.Line();
            // The first block is entered from outside the stretch: it checks it all.
            var full = !_lean || i == 0 || _afterContext.Contains(member.Node.Id);
            WriteFusedBlock(member, next, inStretch, labelled.Contains(member.Node.Id), full);
        }
        _w.Close();
        _w.Open("catch (global::System.Exception exception)");
        _w.Line("// Only a task's call and its bus writes throw here (a condition catches its own): the run fails at that task.");
        _w.Line("state.TaskFailed((int)node, 0, exception);");
        _w.Line("return default;");
        _w.Close();
        _w.Close();
        _tail = false;
    }

    /// <param name="full">The block checks the run's error too (<c>CanRun</c>), not only its token.</param>
    private void WriteFusedBlock(BoundNode bound, string? next, HashSet<string> inStretch, bool labelled, bool full)
    {
        var node = bound.Node;
        var name = _names[node.Id];
        var index = $"(int)Node.{name}";
        _w.Line(NodeComment(bound));
        if (labelled) _w.Line($"{name}:");
        _w.OpenBlock();
        if (node.Kind == NodeKind.EndEvent)
        {
            WriteEndBody(bound, index);
            _w.Close();
            return;
        }

        // When the token is cancelled, CanRun records it as the run's error at this node.
        _w.Line(full ? $"if (!state.CanRun({index})) return default;" : $"if (cancellation.IsCancellationRequested && !state.CanRun({index})) return default;");
        WriteValidation(bound, index);
        if (bound.Call is null) WriteSet(bound, "return default;");
        if (Chooses(bound))
        {
            WriteExclusive(bound, index, target => inStretch.Contains(target) ? $"goto {_names[target]};" : null);
            _w.Close();
            return;
        }
        if (bound.IsSkipped) _w.Line("// allow-absent=true and no method has this task: the node is passed through.");
        if (bound.Call is { } call)
        {
            _w.Line($"node = Node.{name};");
            WriteInvocation(call, Invocation(call, TokenFor(node)));
            WriteSet(bound, "return default;");
        }
        var branch = bound.Outgoing[0];
        if (branch.Edge.TargetId == next) _w.Line($"// on to {CSharpText.Comment(next)}");
        else if (inStretch.Contains(branch.Edge.TargetId)) _w.Line($"goto {_names[branch.Edge.TargetId]};");
        else _w.Line($"return {Go(branch, "true", false)};");
        _w.Close();
    }
}
