using FlowGen.Generators.Model;
using Microsoft.CodeAnalysis;

namespace FlowGen.Generators.Binding;

/// <summary>Reduces symbols to the equatable models of CSharpModels.cs, as early as the pipeline allows.</summary>
internal static class SymbolReader
{
    public const string FlowAttribute = "FlowGen.FlowAttribute";
    public const string ComponentAttribute = "FlowGen.FlowComponentAttribute";
    public const string EventAttribute = "FlowGen.FlowEventAttribute";
    private const string TaskAttribute = "FlowGen.FlowTaskAttribute";
    private const int MaxDepth = 4;

    public static readonly SymbolDisplayFormat FullName = SymbolDisplayFormat.FullyQualifiedFormat
        .WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.UseSpecialTypes | SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers);

    public static string Name(ITypeSymbol type) => s_names.GetValue(type, static t => t.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(FullName));

    // Display names are costly (a generic interface of int takes microseconds) and the same symbols come back for
    // every flow class and component of a compilation: kept per symbol object, for as long as the symbol lives.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ITypeSymbol, string> s_names = new();

    /// <param name="fromReference">True for a component of a referenced assembly: the project can call its public methods only.</param>
    public static ComponentModel? ReadComponent(INamedTypeSymbol type, AttributeData attribute, CancellationToken cancellationToken, bool fromReference = false)
    {
        if (attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not string name) return null;
        var types = new TypeCollector();
        var tasks = new List<TaskMethodModel>();
        foreach (var method in type.GetMembers().OfType<IMethodSymbol>())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var taskAttribute = method.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == TaskAttribute);
            if (taskAttribute?.ConstructorArguments.FirstOrDefault().Value is not string taskName) continue;
            tasks.Add(ReadTask(method, taskName, types, fromReference) with
            {
                Defaults = ReadDefaults(taskAttribute),
                Ability = taskAttribute.NamedArguments.FirstOrDefault(a => a.Key == "Ability").Value.Value is string { Length: > 0 } ability ? ability : null,
            });
        }
        tasks.Sort((a, b) => string.CompareOrdinal(a.TaskName, b.TaskName));
        return new ComponentModel(name, Name(type), type.Name, tasks.ToEquatableArray(), types.ToTable());
    }

    public static EventModel? ReadEvent(INamedTypeSymbol type, AttributeData attribute)
    {
        if (attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not string name || type.IsGenericType) return null;
        var types = new TypeCollector();
        types.Add(type, 0);
        return new EventModel(name, Name(type), type.Name, types.ToTable());
    }

    /// <summary>A [Flow("id")] attribute's id, class and place, for FG0702, and what is wrong with its class (FG0701, FG0703, FG0707).</summary>
    public static Checks.FlowClassSite? ReadFlowClassSite(ISymbol symbol, SyntaxNode declaration, AttributeData attribute, CancellationToken cancellationToken)
    {
        if (symbol is not INamedTypeSymbol type || attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not string flowId) return null;
        var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken);
        if (syntax is null) return null;
        var tree = syntax.SyntaxTree;
        var text = tree.GetText(cancellationToken);
        var name = declaration is Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax typeSyntax ? typeSyntax.Identifier.Span : declaration.Span;
        return new Checks.FlowClassSite(flowId, type.Name, Model.LocationInfo.From(tree.FilePath, text, syntax.Span))
        {
            ClassLocation = Model.LocationInfo.From(tree.FilePath, text, name),
            IsPartial = type.DeclaringSyntaxReferences.Any(r => r.GetSyntax(cancellationToken) is Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax t
                && t.Modifiers.Any(m => m.ValueText == "partial")),
            ImplementsFlow = type.AllInterfaces.Any(i => i.OriginalDefinition.ToDisplayString() == "FlowGen.IFlow<TRequest, TResult>"),
            ShapeProblem = type.ContainingType is not null ? "is nested in another type" : type.IsGenericType ? "is generic" : type.IsRecord ? "is a record" : type.TypeKind != TypeKind.Class ? "is not a class" : null,
            // A class with a fluent definition is its own flow: a definition that cannot be read is FG071x already.
            IsFluent = type.GetMembers().OfType<IMethodSymbol>()
                .Any(m => m.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == Frontends.Fluent.FluentReader.DefinitionAttribute)),
        };
    }

    public static FlowClassModel? ReadFlowClass(INamedTypeSymbol type, AttributeData attribute)
    {
        if (attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not string flowId) return null;
        var flowInterface = type.AllInterfaces.FirstOrDefault(i => i.OriginalDefinition.ToDisplayString() == "FlowGen.IFlow<TRequest, TResult>");
        var isPartial = type.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax t
            && t.Modifiers.Any(m => m.ValueText == "partial"));
        var valid = flowInterface is not null && isPartial && type.ContainingType is null && !type.IsGenericType && !type.IsRecord;
        var types = new TypeCollector();
        var request = flowInterface?.TypeArguments[0];
        var result = flowInterface?.TypeArguments[1];
        if (request is not null) types.Add(request, 0);
        if (result is not null) types.Add(result, 0);
        var vars = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Vars").Value.Value as ITypeSymbol;
        var states = attribute.NamedArguments.FirstOrDefault(a => a.Key == "States").Value.Value as ITypeSymbol;
        var seeds = new List<SeedModel>();
        foreach (var (seedType, scope) in new[] { (vars, BusScope.Var), (states, BusScope.State) })
        {
            if (seedType is null) continue;
            types.Add(seedType, 0);
            foreach (var property in SeedProperties(seedType))
            {
                types.Add(property.Type, 1);
                seeds.Add(new SeedModel(scope, CamelCase(property.Name), Name(property.Type), IsNullable(property.Type), property.Name, Name(seedType)));
            }
        }
        return new FlowClassModel(
            flowId,
            type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(),
            type.Name,
            type.DeclaredAccessibility == Accessibility.Public ? "public" : "internal",
            request is null ? "object" : Name(request),
            result is null ? "object" : Name(result),
            types.ToTable(),
            valid)
        {
            DeclaresDurable = type.AllInterfaces.Any(i => i.ToDisplayString() == "FlowGen.Durable.IDurableFlow"),
            VarsType = vars is null ? null : Name(vars),
            StatesType = states is null ? null : Name(states),
            Seeds = seeds.ToEquatableArray(),
            RequestRules = request is null ? EquatableArray<AnnotationRule>.Empty : AnnotationRules(request).ToEquatableArray(),
            RequestIsValidatable = request?.AllInterfaces.Any(i => i.ToDisplayString() == "System.ComponentModel.DataAnnotations.IValidatableObject") == true,
        };
    }

    /// <summary>
    /// The DataAnnotations validation attributes (any ValidationAttribute, custom ones included) on the request type's
    /// public instance properties and fields, and on a record's primary constructor parameters, in declaration order.
    /// </summary>
    private static IEnumerable<AnnotationRule> AnnotationRules(ITypeSymbol request)
    {
        var primary = (request as INamedTypeSymbol)?.InstanceConstructors
            .FirstOrDefault(c => c.Parameters.Length > 0 && c.Parameters.All(p => request.GetMembers(p.Name).OfType<IPropertySymbol>().Any()));
        var members = new List<ISymbol>();
        for (var t = request; t is not null && t.SpecialType != SpecialType.System_Object; t = t.BaseType) members.InsertRange(0, t.GetMembers());
        foreach (var member in members)
        {
            if (member.IsStatic || member.DeclaredAccessibility != Accessibility.Public || member is not (IPropertySymbol { IsIndexer: false, GetMethod: not null } or IFieldSymbol { IsImplicitlyDeclared: false })) continue;
            // A positional record's [Range(1, 10)] without 'property:' sits on the constructor parameter: read it there too.
            var attributes = member.GetAttributes().AsEnumerable();
            if (primary?.Parameters.FirstOrDefault(p => p.Name == member.Name) is { } parameter) attributes = attributes.Concat(parameter.GetAttributes());
            var display = member.Name;
            foreach (var attribute in attributes)
            {
                if (attribute.AttributeClass?.ToDisplayString() == "System.ComponentModel.DataAnnotations.DisplayAttribute"
                    && attribute.NamedArguments.FirstOrDefault(a => a.Key == "Name").Value.Value is string shown) display = shown;
            }
            foreach (var attribute in attributes)
            {
                if (attribute.AttributeClass is not { } type || !IsValidationAttribute(type) || Creation(attribute) is not { } creation) continue;
                var rule = type.Name.EndsWith("Attribute", StringComparison.Ordinal) ? type.Name.Substring(0, type.Name.Length - "Attribute".Length) : type.Name;
                yield return new AnnotationRule(member.Name, display, rule, creation);
            }
        }
    }

    private static bool IsValidationAttribute(INamedTypeSymbol type)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType)
        {
            if (t.ToDisplayString() == "System.ComponentModel.DataAnnotations.ValidationAttribute") return true;
        }
        return false;
    }

    /// <summary>The attribute as a C# creation expression: its constructor arguments and named arguments as written.</summary>
    private static string? Creation(AttributeData attribute)
    {
        if (attribute.AttributeConstructor is null || attribute.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error)) return null;
        var arguments = string.Join(", ", attribute.ConstructorArguments.Select(Constant));
        var named = attribute.NamedArguments.Select(a => $"{a.Key} = {Constant(a.Value)}").ToList();
        return $"new {Name(attribute.AttributeClass!)}({arguments})" + (named.Count == 0 ? "" : " { " + string.Join(", ", named) + " }");

        // Each kind of constant through the one escaping function for its context (CSharpText), never raw.
        static string Constant(TypedConstant value)
        {
            if (value.IsNull) return "null";
            return value.Kind switch
            {
                TypedConstantKind.Array => $"new {Name(value.Type!)} {{ {string.Join(", ", value.Values.Select(Constant))} }}",
                TypedConstantKind.Type => $"typeof({Name((ITypeSymbol)value.Value!)})",
                TypedConstantKind.Enum => $"({Name(value.Type!)})({Number(value.Value!)})",
                _ => value.Value switch
                {
                    string text => Emit.CSharpText.StringLiteral(text),
                    char c => Emit.CSharpText.CharLiteral(c),
                    bool b => b ? "true" : "false",
                    _ => Number(value.Value!),
                },
            };
        }

        static string Number(object number) => number switch
        {
            double d when double.IsNaN(d) => "double.NaN",
            double d when double.IsPositiveInfinity(d) => "double.PositiveInfinity",
            double d when double.IsNegativeInfinity(d) => "double.NegativeInfinity",
            double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + "d",
            float f when float.IsNaN(f) => "float.NaN",
            float f when float.IsPositiveInfinity(f) => "float.PositiveInfinity",
            float f when float.IsNegativeInfinity(f) => "float.NegativeInfinity",
            float f => f.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + "f",
            decimal m => m.ToString(System.Globalization.CultureInfo.InvariantCulture) + "m",
            long l => l.ToString(System.Globalization.CultureInfo.InvariantCulture) + "L",
            ulong u => u.ToString(System.Globalization.CultureInfo.InvariantCulture) + "UL",
            uint u => u.ToString(System.Globalization.CultureInfo.InvariantCulture) + "U",
            int i => i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => $"({Name2(number)}){System.Convert.ToString(number, System.Globalization.CultureInfo.InvariantCulture)}",
        };

        static string Name2(object number) => number switch { short => "short", ushort => "ushort", byte => "byte", sbyte => "sbyte", _ => "int" };
    }

    /// <summary>The public instance properties a seed type gives the bus, base class first, each name once.</summary>
    private static IEnumerable<IPropertySymbol> SeedProperties(ITypeSymbol type)
    {
        var chain = new List<ITypeSymbol>();
        for (var t = type; t is not null && t.SpecialType != SpecialType.System_Object && t.SpecialType != SpecialType.System_ValueType; t = t.BaseType) chain.Insert(0, t);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in chain)
        {
            foreach (var property in t.GetMembers().OfType<IPropertySymbol>())
            {
                if (property.IsStatic || property.IsIndexer || property.GetMethod is null || property.DeclaredAccessibility != Accessibility.Public) continue;
                // A record's compiler-made EqualityContract is not a value.
                if (property.IsImplicitlyDeclared || !seen.Add(property.Name)) continue;
                yield return property;
            }
        }
    }

    private static TaskDefaults ReadDefaults(AttributeData attribute)
    {
        int Int(string name) => attribute.NamedArguments.FirstOrDefault(a => a.Key == name).Value.Value is int i ? i : 0;
        var demotion = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Demotion").Value.Value as string;
        var strict = attribute.NamedArguments.FirstOrDefault(a => a.Key == "StrictMode").Value.Value is not false;
        var defaults = new TaskDefaults(Math.Max(0, Int("Timeout")), Math.Max(0, Int("Retry")), string.IsNullOrWhiteSpace(demotion) ? null : demotion, !strict);
        return defaults == TaskDefaults.None ? TaskDefaults.None : defaults;
    }

    private static TaskMethodModel ReadTask(IMethodSymbol method, string taskName, TypeCollector types, bool fromReference)
    {
        string? problem = null;
        if (method.IsGenericMethod) problem = "is generic";
        else if (fromReference && method.DeclaredAccessibility != Accessibility.Public)
            problem = $"is not public, and its component is in the referenced assembly {method.ContainingAssembly.Name}, so the generated flow cannot call it";
        else if (method.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal)) problem = "is not public or internal, so the generated flow cannot call it";
        else if (method.Parameters.Any(p => p.RefKind is RefKind.Out or RefKind.Ref)) problem = "has a ref or out parameter";

        var (kind, valueType) = ReturnOf(method.ReturnType);
        if (valueType is not null) types.Add(valueType, 0);

        var parameters = new List<ParameterModel>();
        foreach (var p in method.Parameters)
        {
            types.Add(p.Type, 1);
            parameters.Add(ReadParameter(p.Name, p.Type, p.GetAttributes(), types, null, 0, ref problem));
        }

        var outputs = new List<OutputModel>();
        if (valueType is not null)
        {
            var valueName = Name(valueType);
            foreach (var attribute in method.GetAttributes())
            {
                if (ToOutput(attribute, valueName, IsNullable(valueType), null, CamelCase(valueType.Name)) is { } output) outputs.Add(output);
            }
            foreach (var attribute in valueType.GetAttributes())
            {
                if (ToOutput(attribute, valueName, IsNullable(valueType), null, CamelCase(valueType.Name)) is { } output) outputs.Add(output);
            }
            foreach (var property in valueType.GetMembers().OfType<IPropertySymbol>())
            {
                if (property.IsStatic || property.GetMethod is null || property.IsIndexer) continue;
                foreach (var attribute in property.GetAttributes())
                {
                    if (ToOutput(attribute, Name(property.Type), IsNullable(property.Type), property.Name, CamelCase(property.Name)) is { } output)
                    {
                        types.Add(property.Type, 0);
                        outputs.Add(output);
                    }
                }
            }
        }

        return new TaskMethodModel(taskName, method.Name, method.IsStatic, kind, valueType is null ? null : Name(valueType),
            parameters.ToEquatableArray(), outputs.ToEquatableArray(), problem)
        {
            ValueIsNullable = valueType is not null && IsNullable(valueType),
        };
    }

    private static OutputModel? ToOutput(AttributeData attribute, string type, bool nullable, string? property, string defaultName)
    {
        var name = attribute.AttributeClass?.ToDisplayString();
        var given = attribute.ConstructorArguments.FirstOrDefault().Value as string;
        return name switch
        {
            "FlowGen.ToResultAttribute" => new OutputModel(BusScope.Result, "res", type, nullable, property),
            "FlowGen.ToStateAttribute" => new OutputModel(BusScope.State, given ?? defaultName, type, nullable, property),
            "FlowGen.ToVarAttribute" => new OutputModel(BusScope.Var, given ?? defaultName, type, nullable, property),
            _ => null,
        };
    }

    /// <summary>
    /// A parameter of a task method, or a member of a [FromBus] object (<paramref name="owner"/> names the object): where
    /// its value comes from, and for an object, the members it is built from.
    /// </summary>
    private static ParameterModel ReadParameter(string name, ITypeSymbol type, IEnumerable<AttributeData> attributes, TypeCollector types, string? owner, int depth, ref string? problem)
    {
        var (source, path) = SourceOf(type, attributes);
        var model = new ParameterModel(name, Name(type), IsNullable(type), source, path) { Owner = owner };
        if (owner is not null && source is ParameterSource.CancellationToken or ParameterSource.Context or ParameterSource.Variables or ParameterSource.Item)
            problem ??= $"takes a parameter object whose member '{model.Label}' is a {Short(model.Type)}{(source == ParameterSource.Item ? " item" : "")}: a parameter object's members read the bus only; take it as a parameter of the method";
        if (source != ParameterSource.Object) return model;
        if (depth >= MaxDepth || type is not INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Struct, IsAbstract: false } objectType)
        {
            problem ??= $"marks '{model.Label}' [FromBus], but {Short(model.Type)} is not a class or struct the flow can create{(depth >= MaxDepth ? " (nested too deep)" : "")}";
            return model;
        }
        var label = model.Label;
        var members = new List<ParameterModel>();
        // The public constructor with the most parameters (a record's primary constructor), each filled like a task parameter.
        var constructor = objectType.InstanceConstructors
            .Where(c => c.DeclaredAccessibility is Accessibility.Public or Accessibility.Internal && !IsCopyConstructor(c, objectType))
            .OrderByDescending(c => c.Parameters.Length).FirstOrDefault();
        if (constructor is null && objectType.TypeKind == TypeKind.Class)
        {
            problem ??= $"marks '{label}' [FromBus], but {Short(model.Type)} has no public constructor";
            return model;
        }
        var fromConstructor = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in constructor?.Parameters ?? [])
        {
            types.Add(p.Type, 1);
            fromConstructor.Add(p.Name);
            members.Add(ReadParameter(p.Name, p.Type, p.GetAttributes(), types, label, depth + 1, ref problem) with { IsConstructorArgument = true });
        }
        // Then each settable property that says where its value comes from (a record's positional properties are set by the constructor).
        for (var t = (ITypeSymbol?)objectType; t is not null && t.SpecialType != SpecialType.System_Object; t = t.BaseType)
        {
            foreach (var property in t.GetMembers().OfType<IPropertySymbol>())
            {
                if (property.IsStatic || property.IsIndexer || members.Any(m => !m.IsConstructorArgument && m.Name == property.Name)) continue;
                var propertyAttributes = property.GetAttributes();
                if (!propertyAttributes.Any(a => IsBusAttribute(a.AttributeClass?.ToDisplayString()))) continue;
                if (fromConstructor.Contains(property.Name)) continue;
                if (property.SetMethod is not { DeclaredAccessibility: Accessibility.Public or Accessibility.Internal })
                {
                    problem ??= $"marks '{label}' [FromBus], but its property {property.Name} has a bus attribute and no public setter";
                    continue;
                }
                types.Add(property.Type, 1);
                members.Add(ReadParameter(property.Name, property.Type, propertyAttributes, types, label, depth + 1, ref problem));
            }
        }
        return model with { Members = members.ToEquatableArray() };
    }

    private static bool IsCopyConstructor(IMethodSymbol constructor, INamedTypeSymbol type)
        => constructor.Parameters.Length == 1 && SymbolEqualityComparer.Default.Equals(constructor.Parameters[0].Type, type);

    private static bool IsBusAttribute(string? name) => name is "FlowGen.FromRequestAttribute" or "FlowGen.FromStateAttribute" or "FlowGen.FromVarAttribute"
        or "FlowGen.FromResultAttribute" or "FlowGen.FromBusAttribute";

    private static string Short(string type) => type.Replace("global::", "");

    private static (ParameterSource, string?) SourceOf(ITypeSymbol type, IEnumerable<AttributeData> attributes)
    {
        var typeName = type.ToDisplayString();
        if (typeName == "System.Threading.CancellationToken") return (ParameterSource.CancellationToken, null);
        if (typeName == "FlowGen.FlowContext") return (ParameterSource.Context, null);
        if (typeName == "FlowGen.FlowVariables") return (ParameterSource.Variables, null);
        foreach (var attribute in attributes)
        {
            var value = attribute.ConstructorArguments.FirstOrDefault().Value as string;
            switch (attribute.AttributeClass?.ToDisplayString())
            {
                case "FlowGen.FromRequestAttribute":
                    return value is null ? (ParameterSource.Request, null) : (ParameterSource.RequestPath, value);
                case "FlowGen.FromStateAttribute":
                    return (ParameterSource.State, value);
                case "FlowGen.FromVarAttribute":
                    return (ParameterSource.Var, value);
                case "FlowGen.FromItemAttribute":
                    return (ParameterSource.Item, null);
                case "FlowGen.FromTaskPropertyAttribute":
                    return (ParameterSource.TaskProperty, null);
                case "FlowGen.FromResultAttribute":
                    return (ParameterSource.Result, value);
                case "FlowGen.FromBusAttribute":
                    return (ParameterSource.Object, null);
            }
        }
        return (ParameterSource.Auto, null);
    }

    private static (ReturnKind, ITypeSymbol?) ReturnOf(ITypeSymbol type)
    {
        if (type.SpecialType == SpecialType.System_Void) return (ReturnKind.Void, null);
        if (type is INamedTypeSymbol named)
        {
            var definition = named.OriginalDefinition.ToDisplayString();
            switch (definition)
            {
                case "System.Threading.Tasks.Task": return (ReturnKind.Task, null);
                case "System.Threading.Tasks.ValueTask": return (ReturnKind.ValueTask, null);
                case "System.Threading.Tasks.Task<TResult>": return (ReturnKind.TaskOfT, named.TypeArguments[0]);
                case "System.Threading.Tasks.ValueTask<TResult>": return (ReturnKind.ValueTaskOfT, named.TypeArguments[0]);
            }
        }
        return (ReturnKind.Value, type);
    }

    public static bool IsNullable(ITypeSymbol type)
        => type.IsReferenceType ? type.NullableAnnotation != NullableAnnotation.NotAnnotated
            : type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T;

    public static string CamelCase(string name) => name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name.Substring(1);

    /// <summary>Collects the shapes of types and, to a fixed depth, of their properties' types.</summary>
    private sealed class TypeCollector
    {
        private readonly Dictionary<string, TypeShape> _shapes = new(StringComparer.Ordinal);

        // int, string, bool...: the same shape (thirty-odd interfaces for int) for every flow class and component.
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ITypeSymbol, TypeShape> s_specialShapes = new();

        public void Add(ITypeSymbol type, int depth)
        {
            var name = Name(type);
            if (_shapes.ContainsKey(name) || depth > MaxDepth) return;
            if (type.SpecialType != SpecialType.None && s_specialShapes.TryGetValue(type, out var known))
            {
                _shapes[name] = known;
                return;
            }
            var category = Category(type);
            var isNullableValue = type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T;
            var underlying = isNullableValue ? ((INamedTypeSymbol)type).TypeArguments[0] : null;
            var element = ElementOf(type);
            var properties = new List<PropertyShape>();
            // Placeholder first, so that recursive types terminate.
            _shapes[name] = new TypeShape(name, type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat), category, type.IsValueType, isNullableValue,
                underlying is null ? null : Name(underlying), element is null ? null : Name(element), EquatableArray<PropertyShape>.Empty);
            if (underlying is not null) Add(underlying, depth);
            if (element is not null) Add(element, depth + 1);
            if (category is TypeCategory.Enum && (underlying ?? type) is INamedTypeSymbol enumType)
            {
                // An enum's members, so that conditions can compare with 'Member' by name.
                foreach (var field in enumType.GetMembers().OfType<IFieldSymbol>().Where(f => f.HasConstantValue))
                    properties.Add(new PropertyShape(field.Name, Name(enumType), false));
            }
            else if (category is TypeCategory.Other)
            {
                foreach (var member in AllMembers(type))
                {
                    if (properties.Count >= 64) break;
                    if (member.IsStatic || member.DeclaredAccessibility != Accessibility.Public) continue;
                    ITypeSymbol? memberType = member switch
                    {
                        IPropertySymbol { IsIndexer: false, GetMethod: not null } p => p.Type,
                        IFieldSymbol { IsImplicitlyDeclared: false } f => f.Type,
                        _ => null,
                    };
                    if (memberType is null || properties.Any(p => p.Name == member.Name)) continue;
                    var setter = member switch
                    {
                        IPropertySymbol { SetMethod: { DeclaredAccessibility: Accessibility.Public } set } => set.IsInitOnly ? "init" : "set",
                        IFieldSymbol { IsReadOnly: false, IsConst: false } => "set",
                        IFieldSymbol { IsReadOnly: true } => null,
                        _ => null,
                    };
                    var required = member is IPropertySymbol { IsRequired: true } or IFieldSymbol { IsRequired: true };
                    properties.Add(new PropertyShape(member.Name, Name(memberType), IsNullable(memberType)) { Setter = setter, IsRequired = required });
                    Add(memberType, depth + 1);
                }
            }
            var constructors = new List<ConstructorShape>();
            if (category is TypeCategory.Other && type is INamedTypeSymbol { IsAbstract: false, TypeKind: TypeKind.Class or TypeKind.Struct } named
                && !(named.ContainingNamespace?.ToDisplayString() ?? "").StartsWith("System", StringComparison.Ordinal))
            {
                foreach (var constructor in named.InstanceConstructors.Where(c => c.DeclaredAccessibility == Accessibility.Public))
                {
                    constructors.Add(new ConstructorShape(constructor.Parameters.Select(p => new ParameterShape(p.Name, Name(p.Type), IsNullable(p.Type), p.HasExplicitDefaultValue)).ToEquatableArray()));
                    foreach (var parameter in constructor.Parameters) Add(parameter.Type, depth + 1);
                }
            }
            var supertypes = new List<string>();
            for (var b = type.BaseType; b is not null && b.SpecialType != SpecialType.System_Object; b = b.BaseType) supertypes.Add(Name(b));
            supertypes.AddRange(type.AllInterfaces.Select(i => Name(i)));
            _shapes[name] = _shapes[name] with
            {
                Properties = properties.ToEquatableArray(),
                Supertypes = supertypes.Distinct().OrderBy(s => s, StringComparer.Ordinal).ToEquatableArray(),
                IsRecord = type.IsRecord,
                Constructors = constructors.ToEquatableArray(),
            };
            if (type.SpecialType != SpecialType.None && _shapes[name] is { Properties.Count: 0 } shape) s_specialShapes.GetValue(type, _ => shape);
        }

        public TypeTable ToTable() => new(_shapes.Values.OrderBy(s => s.FullName, StringComparer.Ordinal).ToEquatableArray());

        private static IEnumerable<ISymbol> AllMembers(ITypeSymbol type)
        {
            for (var t = type; t is not null && t.SpecialType != SpecialType.System_Object; t = t.BaseType)
            {
                foreach (var m in t.GetMembers()) yield return m;
            }
        }

        private static ITypeSymbol? ElementOf(ITypeSymbol type)
        {
            if (type.SpecialType == SpecialType.System_String) return null;
            if (type is IArrayTypeSymbol array) return array.ElementType;
            var enumerable = type.AllInterfaces.Concat(type is INamedTypeSymbol n ? [n] : [])
                .FirstOrDefault(i => i.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T);
            return enumerable?.TypeArguments[0];
        }

        private static TypeCategory Category(ITypeSymbol type)
        {
            if (type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T) return Category(((INamedTypeSymbol)type).TypeArguments[0]);
            if (type.TypeKind == TypeKind.Enum) return TypeCategory.Enum;
            return type.SpecialType switch
            {
                SpecialType.System_Boolean => TypeCategory.Boolean,
                SpecialType.System_SByte or SpecialType.System_Byte or SpecialType.System_Int16 or SpecialType.System_UInt16
                    or SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Int64 or SpecialType.System_UInt64 => TypeCategory.Integer,
                SpecialType.System_Single or SpecialType.System_Double => TypeCategory.Floating,
                SpecialType.System_Decimal => TypeCategory.Decimal,
                SpecialType.System_String => TypeCategory.String,
                SpecialType.System_Char => TypeCategory.Char,
                SpecialType.System_Object => TypeCategory.Object,
                _ => TypeCategory.Other,
            };
        }
    }
}
