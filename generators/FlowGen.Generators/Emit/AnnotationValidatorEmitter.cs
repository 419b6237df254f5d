using System.Globalization;
using FlowGen.Generators.Binding;

namespace FlowGen.Generators.Emit;

/// <summary>
/// Writes the check of the request's DataAnnotations (Kstry's JSR-303 validation of request objects): one instance of
/// each attribute, made once as the attribute is written, asked about its member's value when the flow starts. Every
/// failing member is listed in one FLOW_VALIDATION_FAILED error, as for a flow file's request schema.
/// </summary>
internal static class AnnotationValidatorEmitter
{
    public const string MethodName = "CheckAnnotations";

    public static bool Needed(FlowClassModel flowClass) => flowClass.RequestRules.Count > 0 || flowClass.RequestIsValidatable;

    public static void Write(SourceWriter w, FlowClassModel flowClass)
    {
        var rules = flowClass.RequestRules;
        var display = flowClass.RequestType.Substring(flowClass.RequestType.LastIndexOf('.') + 1);
        w.Line($"// The DataAnnotations of {CSharpText.Comment(flowClass.RequestType.Replace("global::", ""))}, checked when the flow starts: every failing member is");
        w.Line("// listed in one FLOW_VALIDATION_FAILED error. Each attribute is made once, as written on its member.");
        if (rules.Count > 0)
        {
            w.Line("private static readonly global::System.ComponentModel.DataAnnotations.ValidationAttribute[] s_requestRules =");
            w.Line("{");
            foreach (var rule in rules) w.Line($"    {rule.Creation}, // {CSharpText.Comment(rule.Member)}");
            w.Line("};");
            w.Line();
        }
        w.Open($"private static global::System.Collections.Generic.List<global::FlowGen.FlowFieldError>? {MethodName}(State state)");
        w.Line("global::System.Collections.Generic.List<global::FlowGen.FlowFieldError>? errors = null;");
        w.Line("var request = state.Request;");
        if (!(flowClass.Types.Find(flowClass.RequestType)?.IsValueType ?? false)) w.Line("if (request is null) return null;");
        w.Line($"var context = global::FlowGen.FlowValidation.ContextFor(request, {CSharpText.StringLiteral(display)});");
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            w.Line($"global::FlowGen.FlowValidation.Check(ref errors, s_requestRules[{i.ToString(CultureInfo.InvariantCulture)}], request.{Expressions.ExpressionTypes.Identifier(rule.Member)}, context, "
                + $"{CSharpText.StringLiteral(rule.Member)}, {CSharpText.StringLiteral(rule.DisplayName)}, {CSharpText.StringLiteral(rule.Rule)});");
        }
        if (flowClass.RequestIsValidatable)
        {
            w.Line("// The request's own checks (IValidatableObject), after its attributes, as Validator.TryValidateObject runs them.");
            w.Line("if (errors is null) global::FlowGen.FlowValidation.CheckObject(ref errors, request, context);");
        }
        w.Line("return errors;");
        w.Close();
        w.Line();
    }
}
