using FlowGen.Generators.Expressions;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Tests.Expressions;

/// <summary>
/// A fake bus over the types in <see cref="DemoTypesSource"/>: shapes are written by hand as the binder would
/// project them, and <see cref="Source"/> is the same types as C# so that emitted code can be compiled.
/// </summary>
internal sealed class TestBus : IBusResolver
{
    private const string List = "global::System.Collections.Generic.List";

    public static readonly TestBus Instance = new();

    private static readonly Dictionary<string, BusValue> Named = new(StringComparer.Ordinal)
    {
        ["askWeek"] = new("state.AskWeek", "global::Demo.Answer", true),
        ["askHungry"] = new("state.AskHungry", "global::Demo.HungryAnswer", false),
        ["a"] = new("state.A", "string", true),
        ["aa"] = new("state.Aa", "string", true),
        ["b"] = new("state.B", "string", true),
        ["bb"] = new("state.Bb", "int", false),
        ["c"] = new("state.C", List + "<string>", false),
        ["cc"] = new("state.Cc", List + "<int>", true),
        ["ccc"] = new("state.Ccc", List + "<int>", false),
        ["num"] = new("state.Num", "int", false),
        ["scores"] = new("state.Scores", "long[]", false),
        ["kinds"] = new("state.Kinds", List + "<global::Demo.Kind>", false),
        ["prices"] = new("state.Prices", List + "<decimal>", false),
        ["price"] = new("state.Price", "decimal", false),
        ["big"] = new("state.Big", "ulong", false),
        ["maybe"] = new("state.Maybe", "int?", true),
        ["ratio"] = new("state.Ratio", "double", false),
        ["goods"] = new("state.Goods", "global::Demo.Goods", true),
    };

    public TypeTable Types { get; } = BuildTypes();

    public BusValue? ResolveRoot(string root) => root switch
    {
        "req" => new BusValue("state.Request", "global::Demo.Req", false),
        "res" => new BusValue("state.Result", "global::Demo.Res", true),
        _ => null,
    };

    public BusValue? ResolveNamed(string root, string name)
    {
        if (Named.TryGetValue(name, out var value)) return value;
        foreach (var pair in Named)
        {
            if (string.Equals(pair.Key, name, StringComparison.OrdinalIgnoreCase)) return pair.Value;
        }
        return null;
    }

    private static PropertyShape P(string name, string type, bool nullable = false) => new(name, type, nullable);

    private static TypeShape Shape(string fullName, TypeCategory category, bool isValueType, params PropertyShape[] properties) =>
        new(fullName, fullName.Substring(fullName.LastIndexOf('.') + 1), category, isValueType, false, null, null, properties.ToEquatableArray());

    private static TypeShape Primitive(string name, TypeCategory category, bool isValueType = true) =>
        new(name, name, category, isValueType, false, null, null, EquatableArray<PropertyShape>.Empty);

    private static TypeShape Collection(string fullName, string element) =>
        new(fullName, fullName.Substring("global::System.Collections.Generic.".Length), TypeCategory.Object, false, false, null, element,
            new[] { P("Count", "int") }.ToEquatableArray());

    private static TypeTable BuildTypes() => new(new[]
    {
        Primitive("int", TypeCategory.Integer),
        Primitive("long", TypeCategory.Integer),
        Primitive("ulong", TypeCategory.Integer),
        Primitive("double", TypeCategory.Floating),
        Primitive("decimal", TypeCategory.Decimal),
        Primitive("bool", TypeCategory.Boolean),
        Primitive("char", TypeCategory.Char),
        Primitive("string", TypeCategory.String, isValueType: false),
        new TypeShape("long[]", "long[]", TypeCategory.Object, false, false, null, "long", new[] { P("Length", "int") }.ToEquatableArray()),
        Collection(List + "<int>", "int"),
        Collection(List + "<string>", "string"),
        Collection(List + "<decimal>", "decimal"),
        Collection(List + "<global::Demo.Kind>", "global::Demo.Kind"),
        new TypeShape("global::System.Nullable<global::Demo.Kind>", "Kind?", TypeCategory.Enum, true, true, "global::Demo.Kind", null, EquatableArray<PropertyShape>.Empty),
        Shape("global::Demo.Kind", TypeCategory.Enum, true, P("App", "global::Demo.Kind"), P("Web", "global::Demo.Kind"), P("WaitPay", "global::Demo.Kind")),
        Shape("global::Demo.Req", TypeCategory.Object, false,
            P("Count", "int"),
            P("Source", "string", nullable: true),
            P("Name", "string"),
            P("Inner", "global::Demo.Nested", nullable: true),
            P("Main", "global::Demo.Nested"),
            P("Tags", List + "<int>", nullable: true),
            P("Price", "decimal"),
            P("Ratio", "double"),
            P("Kind", "global::Demo.Kind"),
            P("MaybeKind", "global::System.Nullable<global::Demo.Kind>", nullable: true),
            P("Flag", "bool?", nullable: true),
            P("Active", "bool"),
            P("Id", "long"),
            P("MaybeCount", "int?", nullable: true),
            P("Grade", "char"),
            P("a", "int")),
        Shape("global::Demo.Nested", TypeCategory.Object, false,
            P("Name", "string"),
            P("Level", "int"),
            P("Child", "global::Demo.Nested", nullable: true),
            P("Flag", "bool")),
        Shape("global::Demo.Res", TypeCategory.Object, false,
            P("Img", "string", nullable: true),
            P("NeedEvaluate", "bool")),
        Shape("global::Demo.Answer", TypeCategory.Object, false, P("Data", "int")),
        Shape("global::Demo.HungryAnswer", TypeCategory.Object, false, P("Data", "bool")),
        Shape("global::Demo.Goods", TypeCategory.Object, false, P("Id", "long"), P("id", "long"), P("Title", "string")),
    }.ToEquatableArray());

    /// <summary>The same types as C#, for compiling emitted code.</summary>
    public const string DemoTypesSource = """
        #nullable enable
        namespace Demo
        {
            using System.Collections.Generic;

            public enum Kind { App, Web, WaitPay }

            public sealed class Nested
            {
                public string Name { get; set; } = "";
                public int Level { get; set; }
                public Nested? Child { get; set; }
                public bool Flag { get; set; }
            }

            public sealed class Req
            {
                public int Count { get; set; }
                public string? Source { get; set; }
                public string Name { get; set; } = "";
                public Nested? Inner { get; set; }
                public Nested Main { get; set; } = new();
                public List<int>? Tags { get; set; }
                public decimal Price { get; set; }
                public double Ratio { get; set; }
                public Kind Kind { get; set; }
                public Kind? MaybeKind { get; set; }
                public bool? Flag { get; set; }
                public bool Active { get; set; }
                public long Id { get; set; }
                public int? MaybeCount { get; set; }
                public char Grade { get; set; }
                public int a { get; set; }
            }

            public sealed class Res
            {
                public string? Img { get; set; }
                public bool NeedEvaluate { get; set; }
            }

            public sealed class Answer { public int Data { get; set; } }

            public sealed class HungryAnswer { public bool Data { get; set; } }

            public sealed class Goods
            {
                public long Id { get; set; }
                public long id { get; set; }
                public string Title { get; set; } = "";
            }

            public sealed class State
            {
                public Req Request { get; set; } = new();
                public Res? Result { get; set; }
                public Answer? AskWeek { get; set; }
                public HungryAnswer AskHungry { get; set; } = new();
                public string? A { get; set; }
                public string? Aa { get; set; }
                public string? B { get; set; }
                public int Bb { get; set; }
                public List<string> C { get; set; } = new();
                public List<int>? Cc { get; set; }
                public List<int> Ccc { get; set; } = new();
                public int Num { get; set; }
                public long[] Scores { get; set; } = [];
                public List<Kind> Kinds { get; set; } = new();
                public List<decimal> Prices { get; set; } = new();
                public decimal Price { get; set; }
                public ulong Big { get; set; }
                public int? Maybe { get; set; }
                public double Ratio { get; set; }
                public Goods? Goods { get; set; }
                public System.TimeProvider Clock { get; set; } = System.TimeProvider.System;
            }
        }
        """;
}
