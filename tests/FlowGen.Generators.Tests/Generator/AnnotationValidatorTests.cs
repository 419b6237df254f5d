using Xunit;

namespace FlowGen.Generators.Tests.Generator;

// The request's DataAnnotations become attribute instances written as in the source (escaped through CSharpText),
// checked when the flow starts; a request without them gets no check at all.
public sealed class AnnotationValidatorTests
{
    private static GeneratorHarness.Run Compile(string request) => GeneratorHarness.RunGenerator($$"""
        using FlowGen;
        using System;
        using System.ComponentModel.DataAnnotations;
        namespace Demo;
        public enum Level { Low, High }
        public sealed class MustBe : ValidationAttribute
        {
            public MustBe(Level level, Type marker, params string[] words) { }
            public char Mark { get; set; }
            protected override ValidationResult? IsValid(object? value, ValidationContext context) => ValidationResult.Success;
        }
        {{request}}
        [FlowComponent("calc")] public sealed class Calc { [FlowTask("noop"), ToResult] public int Noop() => 1; }
        [Flow("f")] public sealed partial class DemoFlow : IFlow<Req, int>
        {
            [FlowDefinition] private static void Define(FlowBuilder<Req> flow) => flow.Task("calc", "noop");
        }
        """);

    [Fact]
    public void Attributes_are_written_as_declared_and_the_code_compiles_without_warnings()
    {
        var run = Compile("""
            public sealed class Req
            {
                [Required, RegularExpression("^[A-Z]\u2028\"x\"$", ErrorMessage = "bad\nline")] public string? Code { get; set; }
                [MustBe(Level.High, typeof(Req), "a", "b", Mark = '\'')] public int @class { get; set; }
                [Range(0.5, 9.5)] public double Ratio;
            }
            """);

        Assert.True(run.Diagnostics.IsEmpty, string.Join("\n", run.Diagnostics));
        Assert.Empty(run.CompileErrors);
        var source = run.Source("Demo.DemoFlow.g.cs");
        Assert.Contains("new global::System.ComponentModel.DataAnnotations.RegularExpressionAttribute(\"^[A-Z]\\u2028\\\"x\\\"$\") { ErrorMessage = \"bad\\nline\" }", source);
        Assert.Contains("new global::Demo.MustBe((global::Demo.Level)(1), typeof(global::Demo.Req), new string[] { \"a\", \"b\" }) { Mark = '\\'' }", source);
        Assert.Contains("new global::System.ComponentModel.DataAnnotations.RangeAttribute(0.5d, 9.5d)", source);
        Assert.Contains("request.@class, context, \"class\"", source);
        Assert.Contains("if (CheckAnnotations(state) is { } annotated)", source);
    }

    [Fact]
    public void A_struct_request_and_IValidatableObject_compile()
    {
        var run = Compile("""
            public struct Req : IValidatableObject
            {
                [Range(1, 3)] public int Count { get; set; }
                public System.Collections.Generic.IEnumerable<ValidationResult> Validate(ValidationContext context) { yield break; }
            }
            """);

        Assert.True(run.Diagnostics.IsEmpty, string.Join("\n", run.Diagnostics));
        Assert.Empty(run.CompileErrors);
        var source = run.Source("Demo.DemoFlow.g.cs");
        Assert.DoesNotContain("if (request is null)", source);
        Assert.Contains("global::FlowGen.FlowValidation.CheckObject(ref errors, request, context);", source);
    }

    [Fact]
    public void A_request_without_annotations_gets_no_check()
    {
        var run = Compile("public sealed record Req(int Count);");

        Assert.Empty(run.CompileErrors);
        Assert.DoesNotContain("CheckAnnotations", run.Source("Demo.DemoFlow.g.cs"));
    }
}
