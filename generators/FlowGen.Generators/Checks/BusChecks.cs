using FlowGen.Generators.Binding;
using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Expressions;
using FlowGen.Generators.Model;
using Microsoft.CodeAnalysis;

namespace FlowGen.Generators.Checks;

/// <summary>
/// The typed bus (04xx) and conditions (05xx): which task produces which value, whether every parameter
/// and condition can be fed, with matching types, on every path. Produces the bound flow the emitter writes.
/// </summary>
internal static class BusChecks
{
    internal sealed record Producer(string NodeId, FlowNode Node, OutputModel Output)
    {
        /// <summary>For a value the caller seeds ([Flow(Vars = ..., States = ...)]): how messages name it (<c>the caller's seed OrderVars.Channel</c>).</summary>
        public string? Seed { get; init; }

        /// <summary>The value is written by the node's <c>set</c>, not by its task.</summary>
        public bool Assigned { get; init; }

        /// <summary>The value is the item (or index) a foreach writes for its body.</summary>
        public bool Foreach { get; init; }

        /// <summary>
        /// A set that reads its own name before anything else writes it (a counter round a loop): the read is null until
        /// the first write (a value type keeps a written flag), so that coalesce(var.count, 0) starts at its default.
        /// </summary>
        public bool SelfRead { get; init; }

        /// <summary>How messages name the writer: the node (its set, its foreach), or the caller's seed.</summary>
        public string Describe() => Seed ?? (Assigned ? "the set of " + Node.Describe() : Foreach ? "the foreach of " + Node.Describe() : Node.Describe());
    }

    public static BoundFlow Check(
        FlowDefinition flow,
        FlowClassModel flowClass,
        GraphIndex index,
        Dictionary<string, (ComponentModel Component, TaskMethodModel Method)> resolved,
        HashSet<string> skipped,
        Dictionary<string, (ComponentModel Component, TaskMethodModel Method)> fallbacks,
        List<DiagnosticInfo> diagnostics,
        CancellationToken cancellationToken,
        EquatableArray<EventModel> events = default,
        HashSet<string>? unbound = null)
    {
        // Tasks whose binding failed with a reported error (FG0301, FG0302, ...): what they would write is unknown, so a
        // reader after one of them that finds no writer is not reported again (the binding error is the one to fix).
        unbound ??= new HashSet<string>(StringComparer.Ordinal);
        var types = MergeTypes(flowClass, resolved.Values.Concat(fallbacks.Values).Select(v => v.Component), events);
        var backEdges = LoopShape.BackEdges(index, flow.FlowId);
        // Both are asked for at few nodes (tasks that read the bus, conditions, waits): found when first asked for, so
        // a flow of thousands of pass-through nodes does not cost a set per node.
        var ancestors = new Ancestry(index, flow.FlowId);
        var mustRun = new Lazy<Dictionary<string, HashSet<string>>>(() => MustRun(index, flow, backEdges));
        // Flows back through a wait of a durable flow are not loops to drive: the run stops at the wait each time round.
        var loopBackEdges = new HashSet<string>(index.Graph.Edges.Where(e => backEdges.Contains(e.Id) && !index.OnlyDurableCycles(e)).Select(e => e.Id), StringComparer.Ordinal);
        var loops = new Dictionary<string, LoopMembership>(StringComparer.Ordinal);
        var headers = new HashSet<string>(index.Graph.Edges.Where(e => loopBackEdges.Contains(e.Id)).Select(e => e.TargetId), StringComparer.Ordinal);
        // The loops a run drives within one step: cycles that do not pass a wait. A loop with a wait on one of its paths
        // (a Receive inside RepeatUntil) is still a loop on its other paths; the flow into the wait is not its exit, unless
        // the loop has no other (a loop left only into a timer: the random-flow test's seed 14415 emitted a round with no driver).
        // The graph is the whole process, shared by every start event: only this flow's cycles are its loops (a cycle
        // is wholly inside the nodes reachable from the start or wholly outside them).
        var flowNodes = new HashSet<string>(flow.NodeIds, StringComparer.Ordinal);
        foreach (var cycle in index.Cycles(throughWaits: false))
        {
            if (!flowNodes.Contains(cycle[0])) continue;
            var members = new HashSet<string>(cycle, StringComparer.Ordinal);
            var exits = cycle.SelectMany(id => index.Outgoing[id]).Where(e => !members.Contains(e.TargetId)).ToList();
            var exit = exits.FirstOrDefault(e => !GraphIndex.IsWait(index.Nodes[e.TargetId])) ?? exits.FirstOrDefault();
            if (exit is null) continue;
            // A subprocess on a loop brings its body into the loop: it must obey the loop's rules too (unless the structure
            // checks reported this loop already, before the expansion).
            if (cycle.Any(id => index.Nodes[id].Kind is NodeKind.SubProcess or NodeKind.CallActivity) && !cycle.Any(flow.ReportedLoopNodes.Contains)
                && LoopShape.Unsupported(index, members) is { } why)
            {
                var first = index.Nodes[cycle.First(id => index.Nodes[id].Kind is NodeKind.SubProcess or NodeKind.CallActivity)];
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.LoopNotSupported, first.Location, first.Describe(), string.Join(" -> ", cycle.Take(8)), why));
            }
            foreach (var id in cycle) loops[id] = new LoopMembership(exit.TargetId, headers.Contains(id));
        }

        // Producers and the bus fields they define. The caller's seeds come first: they are written before the start
        // event runs, so every node of the flow reads them as written (the start event stands for them in the graph).
        var producers = new List<Producer>();
        var startNode = index.Nodes[flow.FlowId];
        foreach (var seed in flowClass.Seeds)
        {
            producers.Add(new Producer(flow.FlowId, startNode, new OutputModel(seed.Scope, seed.Name, seed.Type, seed.IsNullable, null))
            {
                Seed = $"the caller's seed {Short(seed.SeedType)}.{seed.Property}",
            });
        }
        foreach (var id in flow.NodeIds)
        {
            if (!resolved.TryGetValue(id, out var task)) continue;
            foreach (var output in task.Method.Outputs) producers.Add(new Producer(id, index.Nodes[id], output));
        }
        // A task with an error route writes the FlowError it caught to var.error, for the route's nodes to read.
        foreach (var id in flow.NodeIds)
        {
            if (resolved.ContainsKey(id) && SettingsChecks.CatchesErrors(index.Nodes[id]))
                producers.Add(new Producer(id, index.Nodes[id], new OutputModel(BusScope.Var, ErrorName, FlowErrorType, true, null)));
        }
        if (producers.Any(p => p.Output.Type == FlowErrorType) && types.Find(FlowErrorType) is null)
            types = new TypeTable(types.Types.Append(FlowErrorShape).ToEquatableArray());
        // A durable flow's receives write their events to the bus like tasks write their values.
        WaitChecks.AddProducers(flow, index, events, producers, diagnostics);

        // Iterated tasks (ite-source): the source must be a collection on the bus; the task's value becomes the
        // list of its items' results (all, best), or the first success (any).
        var iterations = new Dictionary<string, BoundIteration>(StringComparer.Ordinal);
        foreach (var id in flow.NodeIds)
        {
            var node = index.Nodes[id];
            // Kstry's iterated subprocess: its tasks iterate over the subprocess's ite-source, each with its own strategy.
            if ((node.FindProperty("ite-source") ?? InheritedSource(index, node)) is not { } source || !resolved.TryGetValue(id, out var task)) continue;
            var upstream = producers.Where(p => p.NodeId != id && ancestors[id].Contains(p.NodeId)).ToList();
            if (Iteration(node, source, task, flowClass, types, upstream, diagnostics) is not { } iteration) continue;
            iterations[id] = iteration;
            var listType = $"global::System.Collections.Generic.IReadOnlyList<{task.Method.ValueType}>";
            for (var i = 0; i < producers.Count; i++)
            {
                if (producers[i].NodeId != id) continue;
                if (producers[i].Output.Property is not null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.IterationShape, node.Location, node.Describe(),
                        $"an iterated task writes one value per item, so it cannot write the result's property '{producers[i].Output.Property}'; put [ToState] or [ToVar] on the method to write the list"));
                    continue;
                }
                if (iteration.Strategy != "Any")
                    producers[i] = producers[i] with { Output = producers[i].Output with { Type = listType, IsNullable = false } };
            }
        }

        // Foreach bodies: the item and its index join the bus, written by the foreach node before its body runs.
        var foreaches = ForeachChecks.Bind(flow, index, flowClass, types, producers, ancestors, diagnostics);

        // The nodes' set: what they write joins the bus like a task's value.
        var assignments = AssignmentChecks.Bind(flow, index, flowClass, types, producers, ancestors, diagnostics);
        // Publish nodes: the event built from their inputs, posted after their sets.
        foreach (var id in flow.NodeIds)
        {
            var node = index.Nodes[id];
            if (node.IsUnsupported || node.FindProperty(TaskInputs.PublishSetting) is null) continue;
            var available = producers.Where(p => p.NodeId == id || ancestors[id].Contains(p.NodeId)).ToList();
            if (TaskInputs.Publish(node, events, flowClass, types, available, diagnostics) is not { } publish) continue;
            assignments[id] = (assignments.TryGetValue(id, out var sets) ? sets : EquatableArray<BoundAssignment>.Empty).Append(publish).ToEquatableArray();
        }

        var fields = new List<BusField>();
        foreach (var group in producers.Where(p => p.Output.Scope != BusScope.Result).GroupBy(p => (p.Output.Scope, Name: p.Output.Name.ToLowerInvariant())))
        {
            var first = group.First();
            foreach (var other in group.Skip(1))
            {
                if (other.Output.Type != first.Output.Type)
                    diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.ConflictingProducers, other.Node.Location, ScopeName(group.Key.Scope) + "." + first.Output.Name,
                        Short(first.Output.Type), first.Describe(), Short(other.Output.Type), other.Describe()).WithAdditional(first.Node.Location));
                else if (group.Key.Scope == BusScope.State && ancestors[other.NodeId].Contains(first.NodeId))
                    diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.StateWrittenTwice, other.Node.Location, "sta." + first.Output.Name, first.Describe(), other.Describe())
                        .WithAdditional(first.Node.Location));
            }
            var seeded = flowClass.Seeds.FirstOrDefault(s => s.Scope == group.Key.Scope && Matches(s.Name, first.Output.Name));
            fields.Add(new BusField(FieldName(group.Key.Scope, first.Output.Name), first.Output.Type, IsValueType(first.Output.Type, types), ScopeName(group.Key.Scope), first.Output.Name)
            {
                SeedProperty = seeded?.Property,
            });
        }

        foreach (var producer in producers.Where(p => p.Output.Scope == BusScope.Result))
        {
            if (!Assignable(producer.Output.Type, flowClass.ResultType, types))
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.TypeMismatch, producer.Node.Location, $"flow class '{flowClass.ClassName}'",
                    Short(flowClass.ResultType), "its result (res)", producer.Describe(), Short(producer.Output.Type)));
        }

        // Components the constructor takes, in first-use order.
        var components = new List<ComponentDependency>();
        foreach (var id in flow.NodeIds)
        {
            foreach (var table in new[] { resolved, fallbacks })
            {
                if (!table.TryGetValue(id, out var task) || task.Method.IsStatic) continue;
                if (components.Any(c => c.Type == task.Component.TypeFullName)) continue;
                var name = SymbolReader.CamelCase(task.Component.TypeName);
                components.Add(new ComponentDependency(task.Component.TypeFullName, "_" + name, Identifier(name)));
            }
        }

        BoundCall Call(FlowNode node, (ComponentModel Component, TaskMethodModel Method) task, EquatableArray<BusAssignment>? assignmentsOf)
        {
            var arguments = new List<string>();
            iterations.TryGetValue(node.Id, out var iteration);
            // Kstry's task-params give parameters of the node's own task (not of its fallback) a constant or a bus path.
            var given = assignmentsOf is null ? TaskParams.Read(node, task.Method.Parameters, diagnostics) : null;
            // The node's inputs (input: / input:<param> properties / .Input): expressions over what ran before the node.
            var method = $"{task.Component.TypeName}.{task.Method.MethodName}";
            var inputs = assignmentsOf is null ? TaskInputs.Group(node, task.Method, method, diagnostics) : null;
            List<Producer>? before = null;
            foreach (var declared in task.Method.Parameters)
            {
                if (inputs is not null && inputs.TryGetValue(declared.Name, out var input))
                {
                    if (given is not null && given.ContainsKey(declared.Name))
                        diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.TaskInput, input[0].TargetLocation, node.Describe(), declared.Name, method,
                            "task-params gives it too", "Give the parameter once: remove it from task-params or from the inputs."));
                    before ??= producers.Where(p => ancestors[node.Id].Contains(p.NodeId)).ToList();
                    arguments.Add(TaskInputs.Argument(node, declared, input, method, flowClass, types, before, diagnostics) ?? "default!");
                    continue;
                }
                var parameter = declared;
                if (given is not null && given.TryGetValue(declared.Name, out var value))
                {
                    if (TaskParams.Rebind(declared, value, node, types, diagnostics) is not { } rebound)
                    {
                        arguments.Add("default!");
                        continue;
                    }
                    parameter = rebound;
                }
                arguments.Add(ItemArgument(parameter, node, task, iteration, diagnostics)
                    ?? Argument(parameter, node, task, flowClass, types, producers, ancestors, mustRun, unbound, diagnostics) ?? "default!");
            }
            if (iteration is not null && !task.Method.Parameters.Any(p => p.Source == ParameterSource.Item || (p.Source == ParameterSource.Auto && p.Name == "item")))
            {
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.IterationShape, node.Location, node.Describe(),
                    $"it iterates over {iteration.SourceText}, but {task.Component.TypeName}.{task.Method.MethodName} has no parameter for the item; add one marked [FromItem] (or named item)"));
            }
            var assignments = assignmentsOf ?? task.Method.Outputs.Select(o => new BusAssignment(
                o.Scope == BusScope.Result ? "state.Result" : "state." + FieldName(o.Scope, CanonicalName(producers, o)), o.Property)).ToEquatableArray();
            var receiver = task.Method.IsStatic ? task.Component.TypeFullName : components.First(c => c.Type == task.Component.TypeFullName).FieldName;
            return new BoundCall(receiver, task.Method.MethodName, task.Component.Name, task.Method.TaskName, task.Method.ReturnKind, task.Method.ValueType,
                arguments.ToEquatableArray(), assignments)
            {
                ParameterNames = task.Method.Parameters.Select(p => p.Name).ToEquatableArray(),
                FirstArgumentIsConstant = task.Method.Parameters.FirstOrDefault()?.Source == ParameterSource.Constant,
                Abilities = task.Method.Abilities.Select(a => new AbilityCall(a.Ability!, a.MethodName,
                    $"r:{task.Method.TaskName}@{a.Ability}", $"pr:{task.Component.Name}@{task.Method.TaskName}@{a.Ability}")).ToEquatableArray(),
            };
        }

        // Nodes in emission order: tasks get their calls, branches their conditions.
        var inFlow = new HashSet<string>(flow.NodeIds, StringComparer.Ordinal);
        var nodes = new List<BoundNode>();
        foreach (var id in flow.NodeIds)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var node = index.Nodes[id];
            BoundCall? call = null;
            BoundCall? fallback = null;
            if (resolved.TryGetValue(id, out var task))
            {
                call = Call(node, task, null);
                if (fallbacks.TryGetValue(id, out var backup))
                {
                    // The fallback's value goes where the task's would have gone, so it must fit there.
                    if (call.Assignments.Count > 0 && (backup.Method.ValueType is null || !Assignable(backup.Method.ValueType, task.Method.ValueType!, types)))
                    {
                        diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.IncompatibleFallback, node.FindProperty("task-demotion")?.Location ?? node.FindProperty("demotion")?.Location ?? node.Location,
                            node.Describe(), $"{backup.Component.TypeName}.{backup.Method.MethodName}", Short(backup.Method.ValueType ?? "nothing"),
                            $"({Short(task.Method.ValueType!)})", string.Join(", ", task.Method.Outputs.Select(o => o.Scope == BusScope.Result ? "res" : ScopeName(o.Scope) + "." + o.Name))));
                    }
                    else
                    {
                        fallback = Call(node, backup, call.Assignments);
                    }
                }
            }

            if (node.Inputs.Count > 0 && call is null && !unbound.Contains(id) && node.FindProperty(TaskInputs.PublishSetting) is null)
            {
                var first = node.Inputs[0];
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.TaskInput, first.TargetLocation, node.Describe(), first.Target.Split('.')[0], "a node without a task",
                    "the node calls no task, so no parameter takes its input", "Put the input on a task node, or use 'set' to write a bus value."));
            }
            var branches = new List<BoundBranch>();
            foreach (var edge in index.Outgoing[id])
            {
                string? code = null;
                // An event gateway's conditions read the event: the wait checks compile them.
                if (edge.Condition is { } condition && node.Kind is not (NodeKind.ParallelGateway or NodeKind.EventGateway) && !edge.IsDefault)
                {
                    code = CompileCondition(condition, edge, flowClass, types, producers, ancestors[id], id, diagnostics);
                }
                branches.Add(new BoundBranch(edge, code, loopBackEdges.Contains(edge.Id)));
            }
            // Joins count the flows that can reach them in this flow: another start event's branches never arrive.
            var incoming = index.Incoming[id].Count(e => inFlow.Contains(e.SourceId) && !backEdges.Contains(e.Id));
            var policy = call is null ? null : SettingsChecks.Policy(node, task.Method?.Defaults);
            if (policy is { TimeoutMilliseconds: > 0 } && call is not null && !call.Arguments.Contains("state.CancellationToken"))
            {
                // A timeout only cancels the attempt's token: a method that takes none cannot be stopped by it.
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.TimeoutCannotStopTask, node.Location, node.Describe(),
                    policy.TimeoutMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{task.Component!.TypeName}.{task.Method!.MethodName}"));
                policy = policy with { TimeoutMilliseconds = 0 };
            }
            if (policy is { CatchErrors: true })
                policy = policy with { ErrorField = "state." + FieldName(BusScope.Var, producers.First(p => p.Output.Scope == BusScope.Var && Matches(p.Output.Name, ErrorName)).Output.Name) };
            iterations.TryGetValue(id, out var iterated);
            if (iterated is not null && fallback is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.IterationShape, node.Location, node.Describe(),
                    "a fallback (task-demotion) on an iterated task is not supported yet; use ite-strategy best to keep the items that succeed"));
                fallback = null;
            }
            if (iterated is not null && policy is { NeedsPipeline: true })
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.IterationShape, node.Location, node.Describe(),
                    "timeout and retries are not applied to iterated tasks yet; remove them or move the iteration into a subprocess with a timeout"));
            nodes.Add(new BoundNode(node, call, branches.ToEquatableArray(), incoming, skipped.Contains(id), policy, fallback, loops.TryGetValue(id, out var loop) ? loop : null, iterated)
            {
                Assignments = assignments.TryGetValue(id, out var set) ? set : EquatableArray<BoundAssignment>.Empty,
                Foreach = foreaches.TryGetValue(id, out var each) ? ForeachChecks.WithFields(each, producers) : null,
            });
        }

        var durable = WaitChecks.Bind(flow, index, flowClass, types, events, producers, ancestors, diagnostics);
        if (durable is not null && (flowClass.VarsType ?? flowClass.StatesType) is not null)
        {
            var seedTypes = string.Join(", ", new[] { flowClass.VarsType is { } v ? "Vars = " + Short(v) : null, flowClass.StatesType is { } t ? "States = " + Short(t) : null }.Where(x => x is not null));
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.SeededDurableFlow, startNode.Location, flowClass.ClassName, seedTypes, flow.FlowId));
        }
        return new BoundFlow(flowClass, flow, nodes.ToEquatableArray(), fields.ToEquatableArray(), components.ToEquatableArray(),
            types.Types.Where(t => t.IsValueType).Select(t => t.FullName).ToEquatableArray(), diagnostics.ToEquatableArray()) { Durable = durable };
    }

    /// <summary>
    /// The item of an iteration, for a parameter marked [FromItem] (or named item on an iterated task); null when
    /// the parameter is not one.
    /// </summary>
    private static string? ItemArgument(ParameterModel parameter, FlowNode node, (ComponentModel Component, TaskMethodModel Method) task, BoundIteration? iteration, List<DiagnosticInfo> diagnostics)
    {
        var wantsItem = parameter.Source == ParameterSource.Item || (iteration is not null && parameter.Source == ParameterSource.Auto && parameter.Name == "item");
        if (!wantsItem) return null;
        var method = $"{task.Component.TypeName}.{task.Method.MethodName}";
        if (iteration is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.MissingValue, node.Location, parameter.Label, method, node.Describe(),
                "it is marked [FromItem], but the task has no ite-source to iterate over"));
            return "default!";
        }
        if (!Assignable(iteration.ItemType, parameter.Type, TypeTable.Empty))
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.ItemTypeMismatch, node.Location, node.Describe(), Short(iteration.ItemType), iteration.SourceText,
                parameter.Name, method, Short(parameter.Type)));
        }
        return "item";
    }

    /// <summary>The ite-source of the innermost subprocess around a task that has one (the task then iterates over it), or null.</summary>
    private static NodeProperty? InheritedSource(GraphIndex index, FlowNode node)
    {
        for (var scope = node.Scope; scope is not null && index.Nodes.TryGetValue(scope, out var entry); scope = entry.Scope)
        {
            if (entry.FindProperty("ite-source") is { } source) return source;
        }
        return null;
    }

    private static BoundIteration? Iteration(FlowNode node, NodeProperty source, (ComponentModel Component, TaskMethodModel Method) task, FlowClassModel flowClass,
        TypeTable types, List<Producer> upstream, List<DiagnosticInfo> diagnostics)
    {
        if (Collection(node, source, flowClass, types, upstream, diagnostics, "before this task") is not { } collection) return null;
        var strategy = SettingsChecks.ParseStrategy(node.GetProperty("ite-strategy")) ?? "All";
        var parallel = SettingsChecks.ParseYesNo(node.GetProperty("ite-async")) == true;
        var degree = SettingsChecks.TryMilliseconds(node.GetProperty("ite-parallelism"), out var d) && d > 0 ? d : -1;
        return new BoundIteration(source.Value.Trim(), collection.Code, collection.ItemType, strategy, parallel ? degree : 0);
    }

    /// <summary>
    /// The collection an iteration (ite-source) or a foreach goes over: a bus path (Kstry's names may hold '-') that must
    /// resolve to an array or IEnumerable&lt;T&gt; among <paramref name="upstream"/>; FG0406 at the setting otherwise.
    /// </summary>
    internal static (string Code, string ItemType)? Collection(FlowNode node, NodeProperty source, FlowClassModel flowClass,
        TypeTable types, List<Producer> upstream, List<DiagnosticInfo> diagnostics, string before)
    {
        var text = source.Value.Trim();
        // A source is a path; Kstry's bus names may hold '-' (sta.sku-list), which a condition would read as minus.
        var parsed = ExpressionParser.Parse(text);
        var dashed = System.Text.RegularExpressions.Regex.Match(text, @"^(req|sta|var|res)((?:\.[A-Za-z_][A-Za-z0-9_\-]*)+)$");
        if (parsed.Root is not PathExpr && dashed.Success)
        {
            var names = dashed.Groups[2].Value.Substring(1).Split('.');
            var offset = dashed.Groups[1].Length + 1;
            var segments = new List<PathSegment>();
            foreach (var name in names)
            {
                segments.Add(new PathSegment(name, offset, name.Length));
                offset += name.Length + 1;
            }
            parsed = parsed with { Root = new PathExpr(dashed.Groups[1].Value, segments.ToEquatableArray(), 0, text.Length) };
        }
        if (parsed.Root is not PathExpr path)
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.BadIterationSource, source.Location, node.Describe(), source.Value, "it is not a path such as req.items or sta.skus"));
            return null;
        }
        var compiled = ExpressionCompiler.CompileValue(path, new Resolver(flowClass, types, upstream));
        if (compiled.Code is null || compiled.Type is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.BadIterationSource, source.Location, node.Describe(), source.Value,
                (compiled.Errors.FirstOrDefault()?.Message ?? "it does not resolve").Replace("on the way to this condition", before)));
            return null;
        }
        var shape = types.Find(compiled.Type.TrimEnd('?'));
        if (shape?.ElementType is not { } item)
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.BadIterationSource, source.Location, node.Describe(), source.Value, $"it is {Short(compiled.Type)}, not a collection"));
            return null;
        }
        return (compiled.Code, item);
    }

    private static string? Argument(
        ParameterModel parameter,
        FlowNode node,
        (ComponentModel Component, TaskMethodModel Method) task,
        FlowClassModel flowClass,
        TypeTable types,
        List<Producer> producers,
        Ancestry ancestors,
        Lazy<Dictionary<string, HashSet<string>>> mustRun,
        HashSet<string> unbound,
        List<DiagnosticInfo> diagnostics)
    {
        var method = $"{task.Component.TypeName}.{task.Method.MethodName}";
        switch (parameter.Source)
        {
            case ParameterSource.CancellationToken:
                return "state.CancellationToken";
            case ParameterSource.Context:
                return ContextArgument;
            case ParameterSource.Constant:
                return parameter.Path;
            case ParameterSource.Variables:
                // Kstry's KV: the node's kv-scope, the run's business id.
                return $"state.VariablesFor({Emit.CSharpText.StringLiteral(node.GetProperty("kv-scope"))})";
            case ParameterSource.Request:
                if (!Assignable(flowClass.RequestType, parameter.Type, types))
                    diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.TypeMismatch, node.Location, node.Describe(), Short(parameter.Type), $"parameter '{parameter.Label}'",
                        "the request", Short(flowClass.RequestType)));
                return "state.Request";
            case ParameterSource.RequestPath:
                return RequestPath(parameter, parameter.Path!, node, method, flowClass, types, diagnostics);
            case ParameterSource.State:
            case ParameterSource.Var:
                return BusValue(parameter, parameter.Source == ParameterSource.State ? BusScope.State : BusScope.Var, parameter.Path ?? parameter.Name,
                    node, method, types, producers, ancestors, mustRun, unbound, diagnostics);
            case ParameterSource.Result:
                return ResultValue(parameter, node, method, flowClass, types, producers, ancestors, mustRun, unbound, diagnostics);
            case ParameterSource.TaskProperty:
                return TaskParams.TaskProperty(parameter, node, method, types, diagnostics);
            case ParameterSource.Object:
                return ParameterObject(parameter, node, task, flowClass, types, producers, ancestors, mustRun, unbound, diagnostics);
        }

        // Auto: the request by type, then a bus value by name, then a request property by name.
        if (parameter.Type == flowClass.RequestType) return "state.Request";
        foreach (var scope in new[] { BusScope.State, BusScope.Var })
        {
            if (producers.Any(p => p.Output.Scope == scope && Matches(p.Output.Name, parameter.Name) && ancestors[node.Id].Contains(p.NodeId)))
            {
                var name = producers.First(p => p.Output.Scope == scope && Matches(p.Output.Name, parameter.Name)).Output.Name;
                return BusValue(parameter, scope, name, node, method, types, producers, ancestors, mustRun, unbound, diagnostics);
            }
        }
        var request = types.Find(flowClass.RequestType);
        if (request is not null && request.Properties.Any(p => Matches(p.Name, parameter.Name)))
            return RequestPath(parameter, parameter.Name, node, method, flowClass, types, diagnostics);

        if (AfterUnboundTask(node, ancestors, unbound)) return parameter.IsNullable ? "default" : null;
        var missing = DiagnosticInfo.Create(FlowDiagnostics.MissingValue, node.Location, parameter.Label, method, node.Describe(),
            $"it is not the request ({Short(flowClass.RequestType)}), no earlier task writes a value named '{parameter.Name}', and the request has no property of that name");
        // A nullable parameter can run with null: a warning. A non-nullable one cannot: an error.
        diagnostics.Add(parameter.IsNullable ? missing.WithSeverity(DiagnosticSeverity.Warning) : missing);
        return parameter.IsNullable ? "default" : null;
    }

    private static string? RequestPath(ParameterModel parameter, string path, FlowNode node, string method, FlowClassModel flowClass, TypeTable types, List<DiagnosticInfo> diagnostics)
    {
        var walk = Walk("state.Request", flowClass.RequestType, false, path.Split('.'), types);
        if (walk.Error is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.MissingValue, node.Location, parameter.Label, method, node.Describe(), $"the request path 'req.{path}' {walk.Error}"));
            return null;
        }
        if (!Assignable(walk.Type!, parameter.Type, types))
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.TypeMismatch, node.Location, node.Describe(), Short(parameter.Type), $"parameter '{parameter.Label}'",
                $"the request path 'req.{path}'", Short(walk.Type!)));
            return null;
        }
        return Coalesce(walk, parameter, types);
    }

    /// <summary>True when a task that failed to bind (its error reported) runs before <paramref name="node"/>: it may be the missing writer.</summary>
    private static bool AfterUnboundTask(FlowNode node, Ancestry ancestors, HashSet<string> unbound)
        => unbound.Count > 0 && ancestors[node.Id].Any(id => id != node.Id && unbound.Contains(id));

    private static string? BusValue(
        ParameterModel parameter, BusScope scope, string path, FlowNode node, string method, TypeTable types,
        List<Producer> producers, Ancestry ancestors, Lazy<Dictionary<string, HashSet<string>>> mustRun, HashSet<string> unbound, List<DiagnosticInfo> diagnostics)
    {
        var segments = path.Split('.');
        // sta.orders[0].id: the bus name is 'orders', and its index is the walk's first step.
        var bracket = segments[0].IndexOf('[');
        if (bracket > 0) segments = new[] { segments[0].Substring(0, bracket), segments[0].Substring(bracket) }.Concat(segments.Skip(1)).ToArray();
        var all = producers.Where(p => p.Output.Scope == scope && Matches(p.Output.Name, segments[0])).ToList();
        var display = ScopeName(scope) + "." + segments[0];
        var field = all.Count == 0 ? null : all[0].Output;
        return Read(parameter, display, $"{ScopeName(scope)}.{path}", $"no task in this flow writes {display}", all,
            field is null ? "" : "state." + FieldName(scope, CanonicalName(producers, field)), field?.Type ?? "",
            field is not null && (field.IsNullable || !(types.Find(field.Type)?.IsValueType ?? false)), segments.Skip(1).ToArray(),
            node, method, types, ancestors, mustRun, unbound, diagnostics);
    }

    /// <summary>
    /// [FromResult] / [FromResult("path")]: the flow's result as the [ToResult] tasks before this one wrote it (Kstry's
    /// <c>res</c> scope), read with the same checks as a bus value.
    /// </summary>
    private static string? ResultValue(
        ParameterModel parameter, FlowNode node, string method, FlowClassModel flowClass, TypeTable types,
        List<Producer> producers, Ancestry ancestors, Lazy<Dictionary<string, HashSet<string>>> mustRun, HashSet<string> unbound, List<DiagnosticInfo> diagnostics)
    {
        var all = producers.Where(p => p.Output.Scope == BusScope.Result).ToList();
        var path = parameter.Path is { Length: > 0 } p ? p : null;
        return Read(parameter, "res", path is null ? "res" : "res." + path, "no task in this flow writes the result (res): none has [ToResult]", all,
            "state.Result", flowClass.ResultType, !(types.Find(flowClass.ResultType)?.IsValueType ?? false), path?.Split('.') ?? [],
            node, method, types, ancestors, mustRun, unbound, diagnostics);
    }

    /// <summary>
    /// A read of one bus value (a sta or var field, or the result) written by <paramref name="all"/>: FG0401 when none of
    /// them runs before the reader, FG0402 when the type does not fit, FG0403 when it may not be written yet.
    /// </summary>
    private static string? Read(
        ParameterModel parameter, string display, string fullPath, string nobody, List<Producer> all, string fieldCode, string fieldType, bool fieldMayBeNull,
        string[] segments, FlowNode node, string method, TypeTable types, Ancestry ancestors, Lazy<Dictionary<string, HashSet<string>>> mustRun,
        HashSet<string> unbound, List<DiagnosticInfo> diagnostics)
    {
        var nullable = parameter.IsNullable;
        if (all.Count == 0)
        {
            if (AfterUnboundTask(node, ancestors, unbound)) return nullable ? "default" : null;
            var d = DiagnosticInfo.Create(FlowDiagnostics.MissingValue, node.Location, parameter.Label, method, node.Describe(), nobody);
            diagnostics.Add(nullable ? d.WithSeverity(DiagnosticSeverity.Warning) : d);
            return nullable ? "default" : null;
        }
        var upstream = all.Where(p => ancestors[node.Id].Contains(p.NodeId)).ToList();
        if (upstream.Count == 0)
        {
            var d = DiagnosticInfo.Create(FlowDiagnostics.MissingValue, node.Location, parameter.Label, method, node.Describe(),
                $"{display} is written by {all[0].Describe()}, which does not run before this task").WithAdditional(all[0].Node.Location);
            diagnostics.Add(nullable ? d.WithSeverity(DiagnosticSeverity.Warning) : d);
            return nullable ? "default" : null;
        }

        var producer = upstream[0];
        var walk = Walk(fieldCode, fieldType, fieldMayBeNull, segments, types);
        if (walk.Error is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.MissingValue, node.Location, parameter.Label, method, node.Describe(), $"the path '{fullPath}' {walk.Error}"));
            return null;
        }
        if (!Assignable(walk.Type!, parameter.Type, types))
        {
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.TypeMismatch, node.Location, node.Describe(), Short(parameter.Type), $"parameter '{parameter.Label}'",
                producer.Describe() + $" (as {display})", Short(walk.Type!)).WithAdditional(producer.Node.Location));
            return null;
        }
        // Written before it for certain: by one producer that always runs first, or by one of several on every path
        // (two exclusive branches that each write the value).
        var certain = upstream.Any(p => mustRun.Value[node.Id].Contains(p.NodeId)) || ancestors.EveryPathPasses(node.Id, upstream.Select(p => p.NodeId));
        if (!parameter.IsNullable && !certain)
        {
            var isValueType = types.Find(parameter.Type)?.IsValueType ?? false;
            diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.NotOnEveryPath, node.Location, node.Describe(), display, producer.Describe(),
                isValueType ? "its default value" : "null").WithAdditional(producer.Node.Location));
        }
        var code = Coalesce(walk, parameter, types);
        // A nullable parameter over a value-type field that may not be written yet: the field holds its default (0, false)
        // then, so the read asks the field's written flag and passes null (the emitter keeps a flag for each field read so).
        if (parameter.IsNullable && !certain && fieldCode.StartsWith("state.", StringComparison.Ordinal) && fieldCode != "state.Result"
            && !fieldMayBeNull && (types.Find(fieldType)?.IsValueType ?? false))
        {
            return $"({fieldCode}{WrittenSuffix} ? ({parameter.Type}){code} : null)";
        }
        return code;
    }

    /// <summary>
    /// The suffix of a value-type field's written flag (<c>state.Sta_stock_written</c>): kept only for fields that a
    /// nullable parameter reads where they may not be written yet (the emitter finds them in the calls' arguments).
    /// </summary>
    public const string WrittenSuffix = "_written";

    /// <summary>The argument text of a parameter that takes the run's FlowContext: the generated state itself.</summary>
    public const string ContextArgument = "state";

    /// <summary>
    /// A [FromBus] parameter object: its constructor called with, and its properties set to, the bus reads of its members
    /// (each checked like a parameter, and named <c>parameter.Member</c> in messages).
    /// </summary>
    private static string? ParameterObject(
        ParameterModel parameter, FlowNode node, (ComponentModel Component, TaskMethodModel Method) task, FlowClassModel flowClass, TypeTable types,
        List<Producer> producers, Ancestry ancestors, Lazy<Dictionary<string, HashSet<string>>> mustRun, HashSet<string> unbound, List<DiagnosticInfo> diagnostics)
    {
        var arguments = new List<string>();
        var properties = new List<string>();
        var failed = false;
        foreach (var member in parameter.Members)
        {
            var value = Argument(member, node, task, flowClass, types, producers, ancestors, mustRun, unbound, diagnostics);
            failed |= value is null;
            if (member.IsConstructorArgument) arguments.Add(value ?? "default!");
            else properties.Add($"{Identifier(member.Name)} = {value ?? "default!"}");
        }
        if (failed) return null;
        var code = $"new {parameter.Type}({string.Join(", ", arguments)})";
        return properties.Count == 0 ? code : $"{code} {{ {string.Join(", ", properties)} }}";
    }

    /// <summary>A path that may be null feeding a non-nullable parameter: null-forgiving for references, default for values.</summary>
    private static string Coalesce(PathWalk walk, ParameterModel parameter, TypeTable types)
    {
        if (!walk.MayBeNull || parameter.IsNullable) return walk.Code!;
        var shape = types.Find(parameter.Type);
        return shape is { IsValueType: true } ? $"({walk.Code} ?? default)" : walk.Code + "!";
    }

    private sealed record PathWalk(string? Code, string? Type, bool MayBeNull, string? Error);

    private const string JsonElementType = "global::System.Text.Json.JsonElement";

    private static PathWalk Walk(string code, string type, bool mayBeNull, string[] segments, TypeTable types)
    {
        var lifted = false;
        // A step may carry indexes (orders[0]): they are steps of their own.
        var steps = new List<(string Name, int? Index)>();
        foreach (var segment in segments)
        {
            var match = System.Text.RegularExpressions.Regex.Match(segment, @"^(?<name>[^\[\]]*)(?:\[(?<index>\d{1,9})\])*$");
            if (!match.Success) return new PathWalk(null, null, false, $"does not resolve: '{segment}' is not a name with indexes such as orders[0]");
            if (match.Groups["name"].Length > 0) steps.Add((match.Groups["name"].Value, null));
            foreach (System.Text.RegularExpressions.Capture index in match.Groups["index"].Captures)
                steps.Add(("[" + index.Value + "]", int.Parse(index.Value, System.Globalization.CultureInfo.InvariantCulture)));
        }
        for (var i = 0; i < steps.Count; i++)
        {
            var (segment, at) = steps[i];
            if (type == JsonElementType)
            {
                // A JSON value (an HTTP task's http-output): the rest is read at run time, by name and index.
                var names = new List<string>();
                foreach (var (name, index) in steps.Skip(i))
                {
                    if (index is null)
                    {
                        names.Add(Emit.CSharpText.StringLiteral(name));
                        continue;
                    }
                    if (names.Count > 0) code = $"global::FlowGen.FlowFunctions.JsonPath({code}, {string.Join(", ", names)})";
                    names.Clear();
                    code = $"global::FlowGen.FlowFunctions.JsonIndex({code}, {index.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)})";
                }
                if (names.Count > 0) code = $"global::FlowGen.FlowFunctions.JsonPath({code}, {string.Join(", ", names)})";
                return new PathWalk(code, type, false, null);
            }
            if (at is { } item)
            {
                var list = types.Find(type.TrimEnd('?'));
                if (list?.ElementType is not { } element)
                    return new PathWalk(null, null, false, $"does not resolve: '{segment}' reads an item of a list, but {Short(type)} is not one");
                var elementShape = types.Find(element);
                var method = elementShape is { IsNullableValueType: true } ? "ItemNullable" : elementShape is { IsValueType: true } ? "ItemValue" : "Item";
                code = $"global::FlowGen.FlowFunctions.{method}({code}, {item.ToString(System.Globalization.CultureInfo.InvariantCulture)})";
                type = element; // the code gives null when there is no such item: the walk may be null from here on
                mayBeNull = true;
                lifted = true;
                continue;
            }
            var shape = types.Find(type);
            if (shape is { IsNullableValueType: true, UnderlyingType: { } underlying }) shape = types.Find(underlying);
            if (shape is { Category: TypeCategory.Enum }) shape = shape with { Properties = EquatableArray<PropertyShape>.Empty }; // members are values, not properties
            var property = shape?.Properties.FirstOrDefault(p => p.Name == segment)
                ?? (shape?.Properties.Where(p => string.Equals(p.Name, segment, StringComparison.OrdinalIgnoreCase)).ToList() is { Count: 1 } single ? single[0] : null);
            if (property is null)
            {
                var known = shape is null ? "" : " (it has: " + string.Join(", ", shape.Properties.Take(10).Select(p => p.Name)) + ")";
                return new PathWalk(null, null, false, $"does not resolve: {Short(type)} has no property '{segment}'{known}");
            }
            var receiverNullable = mayBeNull;
            code += (receiverNullable ? "?." : ".") + property.Name;
            lifted |= receiverNullable;
            type = property.Type;
            mayBeNull = property.IsNullable || lifted;
        }
        return new PathWalk(code, type, mayBeNull, null);
    }

    private static string? CompileCondition(
        ConditionSource condition, FlowEdge edge, FlowClassModel flowClass, TypeTable types, List<Producer> producers,
        HashSet<string> upstreamOfSource, string sourceId, List<DiagnosticInfo> diagnostics)
        => CompileCondition(condition, edge, flowClass, types, producers.Where(p => p.NodeId == sourceId || upstreamOfSource.Contains(p.NodeId)).ToList(), diagnostics);

    /// <summary>
    /// A condition on a flow, over the bus values available to it (and <paramref name="roots"/>: a receive's event);
    /// its errors are reported at their column of the flow file.
    /// </summary>
    internal static string? CompileCondition(
        ConditionSource condition, FlowEdge edge, FlowClassModel flowClass, TypeTable types, List<Producer> available,
        List<DiagnosticInfo> diagnostics, IReadOnlyDictionary<string, BusValue>? roots = null)
    {
        var errors = condition.Parsed.Errors;
        if (errors.IsEmpty && condition.Parsed.Root is { } root)
        {
            var compiled = ExpressionCompiler.CompileCondition(root, new Resolver(flowClass, types, available, roots));
            if (compiled.Errors.IsEmpty && compiled.Code is not null) return compiled.Code;
            errors = compiled.Errors;
        }
        if (errors.IsEmpty) errors = new[] { new ExpressionError("FG0501", 0, condition.Text.Length, "the condition is empty") }.ToEquatableArray();
        foreach (var error in errors)
        {
            var descriptor = FlowDiagnostics.All.FirstOrDefault(d => d.Id == error.Id) ?? FlowDiagnostics.ExpressionSyntax;
            diagnostics.Add(DiagnosticInfo.Create(descriptor, condition.Span(error.Start, error.Length), "Condition", DiagnosticInfo.Quote(condition.Text), $"sequence flow '{edge.Id}'", error.Message));
        }
        return null;
    }

    internal sealed class Resolver(FlowClassModel flowClass, TypeTable types, List<Producer> available, IReadOnlyDictionary<string, BusValue>? roots = null) : IBusResolver
    {
        public TypeTable Types => types;

        public BusValue? ResolveRoot(string root) => roots is not null && roots.TryGetValue(root, out var value) ? value : root switch
        {
            "req" => new BusValue("state.Request", flowClass.RequestType, false), // RunAsync's request is not null
            "res" => new BusValue("state.Result", flowClass.ResultType, !(types.Find(flowClass.ResultType)?.IsValueType ?? false)),
            _ => null,
        };

        public BusValue? ResolveNamed(string root, string name)
        {
            var scope = root switch { "sta" => BusScope.State, "var" => BusScope.Var, _ => (BusScope?)null };
            if (scope is null) return null;
            var producer = available.FirstOrDefault(p => p.Output.Scope == scope && p.Output.Name == name)
                ?? available.FirstOrDefault(p => p.Output.Scope == scope && Matches(p.Output.Name, name));
            if (producer is null) return null;
            var isValueType = IsValueType(producer.Output.Type, types);
            var canonical = available.First(p => p.Output.Scope == scope && Matches(p.Output.Name, producer.Output.Name)).Output.Name;
            var field = "state." + FieldName(scope.Value, canonical);
            if (producer.SelfRead && isValueType)
                return new BusValue($"({field}{WrittenSuffix} ? {field} : ({producer.Output.Type.TrimEnd('?')}?)null)", producer.Output.Type.TrimEnd('?') + "?", true);
            return new BusValue(field, producer.Output.Type, !isValueType || producer.Output.IsNullable);
        }
    }

    /// <summary>
    /// Nodes that have certainly run whenever a node runs: after a single flow, what ran before it; after a
    /// strict parallel join, what ran on every branch; after any other join, what ran on all of them.
    /// </summary>
    private static Dictionary<string, HashSet<string>> MustRun(GraphIndex index, FlowDefinition flow, HashSet<string> backEdges)
    {
        var result = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var inFlow = new HashSet<string>(flow.NodeIds, StringComparer.Ordinal);
        var pending = new Dictionary<string, int>(StringComparer.Ordinal);
        // Back edges are left out: what runs before a loop has run before every time round it.
        foreach (var id in flow.NodeIds) pending[id] = index.Incoming[id].Count(e => inFlow.Contains(e.SourceId) && !backEdges.Contains(e.Id));
        var ready = new Queue<string>(flow.NodeIds.Where(id => pending[id] == 0));
        Dictionary<string, string?>? dominators = null;
        Dominance.Avoidance? avoidance = null;
        while (ready.Count > 0)
        {
            var id = ready.Dequeue();
            var node = index.Nodes[id];
            var incoming = index.Incoming[id].Where(e => result.ContainsKey(e.SourceId) && !backEdges.Contains(e.Id)).ToList();
            HashSet<string> set;
            if (incoming.Count == 0)
            {
                set = new HashSet<string>(StringComparer.Ordinal);
            }
            else if (node.Kind == NodeKind.SubprocessExit)
            {
                // A subprocess ends when all its branches have: what ran on every branch that always runs has run.
                var entry = id.Substring(0, id.Length - Binding.SubprocessExpander.ExitSuffix.Length);
                var optional = OptionalInside(index, entry);
                set = new HashSet<string>(result.TryGetValue(entry, out var before) ? before : [], StringComparer.Ordinal) { entry };
                // strict-mode=false: a failure or timeout may end the body anywhere, so nothing inside it has surely run.
                var lenient = SettingsChecks.IsFalse(index.Nodes[entry].GetProperty("strict-mode"));
                foreach (var edge in incoming.Where(e => !lenient && !optional.Contains(e.SourceId)))
                {
                    set.UnionWith(result[edge.SourceId]);
                    set.Add(edge.SourceId);
                }
            }
            else
            {
                var strictJoin = node.Kind == NodeKind.ParallelGateway && !SettingsChecks.IsFalse(node.GetProperty("strict-mode"));
                set = new HashSet<string>(result[incoming[0].SourceId], StringComparer.Ordinal) { incoming[0].SourceId };
                foreach (var edge in incoming.Skip(1))
                {
                    var other = new HashSet<string>(result[edge.SourceId], StringComparer.Ordinal) { edge.SourceId };
                    if (strictJoin) set.UnionWith(other); else set.IntersectWith(other);
                }
                // A join that waits for the branches taken (an inclusive gateway, a task's implicit join) has also run
                // whatever ran on a branch that always arrives: no choice after the join's dominator can avoid it.
                if (!strictJoin && incoming.Count > 1 && (node.Kind == NodeKind.InclusiveGateway || GraphIndex.ImplicitlyJoins(node))
                    && (dominators ??= Dominance.Dominators(index, flow.FlowId)).TryGetValue(id, out var from) && from is not null)
                {
                    avoidance ??= new Dominance.Avoidance(index);
                    foreach (var edge in incoming.Where(e => !index.IsChoice(e) && avoidance.ChoiceAvoiding(from, e.SourceId) is null))
                    {
                        set.UnionWith(result[edge.SourceId]);
                        set.Add(edge.SourceId);
                    }
                }
            }
            result[id] = set;
            foreach (var edge in index.Outgoing[id])
            {
                if (inFlow.Contains(edge.TargetId) && !backEdges.Contains(edge.Id) && --pending[edge.TargetId] == 0) ready.Enqueue(edge.TargetId);
            }
        }
        // Nodes on cycles (already errors) get the empty set.
        foreach (var id in flow.NodeIds)
        {
            if (!result.ContainsKey(id)) result[id] = new HashSet<string>(StringComparer.Ordinal);
        }
        return result;
    }

    /// <summary>The nodes of a subprocess that a choice inside it may leave out (after an exclusive alternative or a conditional flow).</summary>
    private static HashSet<string> OptionalInside(GraphIndex index, string entry)
    {
        var prefix = entry + "/";
        var optional = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>();
        foreach (var edge in index.Graph.Edges)
        {
            var inside = edge.SourceId == entry || edge.SourceId.StartsWith(prefix, StringComparison.Ordinal);
            if (inside && index.Nodes.ContainsKey(edge.SourceId) && index.Nodes.ContainsKey(edge.TargetId) && index.IsChoice(edge) && optional.Add(edge.TargetId))
                queue.Enqueue(edge.TargetId);
        }
        while (queue.Count > 0)
        {
            foreach (var edge in index.Outgoing[queue.Dequeue()])
            {
                if (edge.TargetId.StartsWith(prefix, StringComparison.Ordinal) && optional.Add(edge.TargetId)) queue.Enqueue(edge.TargetId);
            }
        }
        return optional;
    }

    private static TypeTable MergeTypes(FlowClassModel flowClass, IEnumerable<ComponentModel> components, EquatableArray<EventModel> events)
    {
        var all = new Dictionary<string, TypeShape>(StringComparer.Ordinal);
        var eventTypes = events.SelectMany(e => e.Types.Types);
        foreach (var shape in flowClass.Types.Types.Concat(components.Distinct().SelectMany(c => c.Types.Types)).Concat(eventTypes))
        {
            if (!all.ContainsKey(shape.FullName)) all[shape.FullName] = shape;
        }
        return new TypeTable(all.Values.OrderBy(s => s.FullName, StringComparer.Ordinal).ToEquatableArray());
    }

    /// <summary>The bus name a task's error route writes the caught FlowError to (var.error).</summary>
    public const string ErrorName = "error";

    private const string FlowErrorType = "global::FlowGen.FlowError";

    /// <summary>What a flow reads of a caught FlowError: var.error.code, .message, .nodeId, .nodeName, .flowId.</summary>
    private static readonly TypeShape FlowErrorShape = new(FlowErrorType, "FlowError", TypeCategory.Other, false, false, null, null, new[]
    {
        new PropertyShape("Code", "string", false),
        new PropertyShape("FlowId", "string", false),
        new PropertyShape("NodeId", "string", true),
        new PropertyShape("NodeName", "string", true),
        new PropertyShape("Message", "string", false),
    }.ToEquatableArray());

    /// <summary>Whether a bus value's type is a value type (a struct, a built-in number or bool, a nullable one), known to the type table or not.</summary>
    public static bool IsValueType(string type, TypeTable types)
    {
        if (types.Find(type) is { } shape) return shape.IsValueType;
        return ExpressionTypes.Describe(types, type).Type.IsValueType; // int? describes as int, nullable
    }

    private static readonly Dictionary<string, string[]> Widening = new(StringComparer.Ordinal)
    {
        ["sbyte"] = ["short", "int", "long", "float", "double", "decimal"],
        ["byte"] = ["short", "ushort", "int", "uint", "long", "ulong", "float", "double", "decimal"],
        ["short"] = ["int", "long", "float", "double", "decimal"],
        ["ushort"] = ["int", "uint", "long", "ulong", "float", "double", "decimal"],
        ["int"] = ["long", "float", "double", "decimal"],
        ["uint"] = ["long", "ulong", "float", "double", "decimal"],
        ["long"] = ["float", "double", "decimal"],
        ["ulong"] = ["float", "double", "decimal"],
        ["float"] = ["double"],
        ["char"] = ["ushort", "int", "uint", "long", "ulong", "float", "double", "decimal"],
    };

    /// <summary>
    /// Whether a produced value can be passed where another type is expected: the same type, object, a base
    /// class or interface of it, a Nullable of it, or an implicit numeric widening.
    /// </summary>
    public static bool Assignable(string from, string to, TypeTable types)
    {
        if (from == to || to == "object") return true;
        if (types.Find(from.TrimEnd('?')) is { } shape && shape.Supertypes.Contains(to.TrimEnd('?'))) return true;
        var toUnderlying = to.StartsWith("global::System.Nullable<", StringComparison.Ordinal) ? to.Substring(24, to.Length - 25) : to.EndsWith("?", StringComparison.Ordinal) ? to.TrimEnd('?') : to;
        var fromUnderlying = from.EndsWith("?", StringComparison.Ordinal) ? from.TrimEnd('?') : from;
        if (fromUnderlying == toUnderlying) return true;
        return Widening.TryGetValue(fromUnderlying, out var targets) && Array.IndexOf(targets, toUnderlying) >= 0;
    }

    /// <summary>The spelling of a bus name used by its first producer: one name, one field, whatever the case.</summary>
    private static string CanonicalName(List<Producer> producers, OutputModel output)
        => producers.First(p => p.Output.Scope == output.Scope && Matches(p.Output.Name, output.Name)).Output.Name;

    private static bool Matches(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    public static string ScopeName(BusScope scope) => scope switch { BusScope.State => "sta", BusScope.Var => "var", _ => "res" };

    public static string FieldName(BusScope scope, string name)
    {
        // Characters a C# name cannot hold are spelled out ('-' becomes _2D_), so that 'a-b' and 'a_b' stay two fields.
        // A long name is cut and keeps a hash of the whole name (Emit.CSharpText), so that fields stay apart.
        var text = new System.Text.StringBuilder(scope == BusScope.State ? "Sta_" : "Var_");
        foreach (var c in name)
        {
            if (text.Length >= Emit.CSharpText.IdentifierLength) return text.Append('_').Append(Emit.CSharpText.Hash(name)).ToString();
            if (Emit.CSharpText.IsIdentifierCharacter(c)) text.Append(c);
            else text.Append('_').Append(((int)c).ToString("X", System.Globalization.CultureInfo.InvariantCulture)).Append('_');
        }
        return text.ToString();
    }

    private static string Identifier(string name) => Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None ? "@" + name : name;

    private static string Short(string type) => type.Replace("global::", "");
}
