using System.Globalization;
using FlowGen.Generators.Binding;
using FlowGen.Generators.Diagnostics;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Checks;

/// <summary>
/// The request schema against the request type (FG0409, FG0410): every field names a member of the right kind,
/// every rule can be checked on it, every default can be stored. The result is what the emitter turns into the
/// validator that runs before the first node.
/// </summary>
internal static class RequestSchemaChecks
{
    public static BoundRequestSchema? Bind(RequestSchema? schema, string fileName, FlowClassModel flowClass, List<DiagnosticInfo> diagnostics)
    {
        if (schema is null) return null;
        var request = flowClass.Types.Find(flowClass.RequestType);
        var fields = BindFields(schema.Fields, request, flowClass.Types, "", nested: false, diagnostics);
        return new BoundRequestSchema(fileName, schema.Location.StartLine + 1, fields.ToEquatableArray());
    }

    private static List<BoundRequestField> BindFields(EquatableArray<SchemaField> fields, TypeShape? owner, TypeTable types, string prefix, bool nested, List<DiagnosticInfo> diagnostics)
    {
        var bound = new List<BoundRequestField>();
        foreach (var field in fields)
        {
            var path = prefix + field.Name;
            var member = owner is null ? null : FindMember(owner, field.Name);
            if (owner is null || member is null)
            {
                var ownerName = owner?.DisplayName ?? "the request";
                var members = owner is null || owner.Properties.Count == 0 ? "it has no readable members" : "its members are " + string.Join(", ", owner.Properties.Select(p => p.Name));
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.SchemaMismatch, field.Location, path, $"is not a member of {ownerName}", $"Rename the field or add the member ({members})"));
                continue;
            }

            var shape = types.Find(member.Type);
            var value = shape is { IsNullableValueType: true, UnderlyingType: { } u } ? types.Find(u) : shape;
            var csharp = shape?.DisplayName ?? member.Type;
            if (value is null || !Fits(field.Type, value))
            {
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.SchemaMismatch, field.Location, path, $"is {csharp} in C#, but the schema says {field.Type}",
                    $"Write type: {Suggest(value)} in the schema, or change the member's type"));
                continue;
            }

            var canBeNull = member.IsNullable || shape!.IsNullableValueType || !shape.IsValueType;
            if (field.Required && !canBeNull)
                diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.SchemaRuleWithoutEffect, field.Location, path, $"is required, but {csharp} always has a value",
                    $"Make the member {csharp}? so that a missing value can be told apart, or remove 'required'"));

            string? lengthMember = null;
            if (field.MinLength is not null || field.MaxLength is not null)
            {
                lengthMember = value.Category == TypeCategory.String || value.FullName.EndsWith("[]", StringComparison.Ordinal) ? "Length"
                    : value.Properties.Any(p => p.Name == "Count") ? "Count" : null;
                if (lengthMember is null)
                    diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.SchemaMismatch, field.Location, path, $"has minLen/maxLen, but {csharp} has no Length or Count",
                        "Use an array or a collection type, or remove the rule"));
            }

            string? defaultCode = null;
            string? defaultVia = null;
            if (field.Default is { } defaultText)
            {
                if (!canBeNull)
                {
                    diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.SchemaRuleWithoutEffect, field.Location, path, $"has a default, but {csharp} always has a value",
                        $"Make the member {csharp}? so that the default can fill a missing value, or remove 'default'"));
                }
                else
                {
                    defaultVia = !nested && (owner.IsRecord || owner.IsValueType) ? "with" : member.Setter == "set" ? "set" : null;
                    if (defaultVia is null)
                        diagnostics.Add(DiagnosticInfo.Create(FlowDiagnostics.SchemaMismatch, field.Location, path, "has a default, but the member cannot be set",
                            nested ? "A nested field's default needs a public setter on its member" : $"Give {member.Name} a public setter, or make {owner.DisplayName} a record"));
                    else
                        defaultCode = Literal(defaultText, field.Type, value);
                }
            }

            var children = new List<BoundRequestField>();
            if (field.Fields.Count > 0)
                children = BindFields(field.Fields, value, types, path + ".", nested: true, diagnostics);

            bound.Add(new BoundRequestField(path, member.Name, field, member.Type, canBeNull, lengthMember, defaultCode, defaultVia,
                field.Min is { } min ? Literal(min, field.Type, value) : null,
                field.Max is { } max ? Literal(max, field.Type, value) : null,
                field.Enum.Select(e => Literal(e, field.Type, value)).ToEquatableArray(),
                children.ToEquatableArray()));
        }
        return bound;
    }

    /// <summary>A member by the field's name, ignoring case, '_' and '-' (phone_number and phone-number find PhoneNumber).</summary>
    private static PropertyShape? FindMember(TypeShape owner, string name)
    {
        var wanted = Normalize(name);
        return owner.Properties.FirstOrDefault(p => p.Name == name) ?? owner.Properties.FirstOrDefault(p => Normalize(p.Name) == wanted);
    }

    private static string Normalize(string name) => name.Replace("_", "").Replace("-", "").ToLowerInvariant();

    private static bool Fits(string schemaType, TypeShape type) => schemaType switch
    {
        "string" => type.Category == TypeCategory.String,
        "integer" => type.Category == TypeCategory.Integer,
        "number" => type.Category is TypeCategory.Integer or TypeCategory.Floating or TypeCategory.Decimal,
        "boolean" => type.Category == TypeCategory.Boolean,
        "array" => type.ElementType is not null && type.Category != TypeCategory.String,
        "object" => type.Category == TypeCategory.Other && type.ElementType is null,
        _ => false,
    };

    private static string Suggest(TypeShape? type) => type?.Category switch
    {
        TypeCategory.String => "string",
        TypeCategory.Integer => "integer",
        TypeCategory.Floating or TypeCategory.Decimal => "number",
        TypeCategory.Boolean => "boolean",
        _ when type?.ElementType is not null => "array",
        TypeCategory.Other => "object",
        _ => "string, integer, number, boolean, object or array",
    };

    /// <summary>A schema value as a C# literal of the member's type (the schema reader has checked its form).</summary>
    private static string Literal(string text, string schemaType, TypeShape type)
    {
        switch (schemaType)
        {
            case "string":
                return Emit.CSharpText.StringLiteral(text);
            case "boolean":
                return text == "true" ? "true" : "false";
            default:
                var number = text.Trim();
                if (type.Category == TypeCategory.Decimal) return number + "m";
                if (type.Category == TypeCategory.Floating)
                    return type.FullName == "float" ? number + "f" : (number.IndexOfAny(['.', 'e', 'E']) < 0 ? number + ".0" : number);
                if (type.Category == TypeCategory.Integer && !long.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
                    return number; // a fraction on an integer field: the comparison still compiles as double
                return number;
        }
    }
}
