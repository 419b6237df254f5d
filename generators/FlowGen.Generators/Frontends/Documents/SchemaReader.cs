using System.Globalization;
using FlowGen.Generators.Model;

namespace FlowGen.Generators.Frontends.Documents;

/// <summary>
/// Reads a flow document's <c>request</c> schema (ps-go's FieldValidate): a mapping from field name to its
/// rules, or to just its type (<c>phone: string</c>). Checked against the request type by the binder.
/// </summary>
internal static class SchemaReader
{
    public static readonly string[] Types = ["string", "integer", "number", "boolean", "object", "array"];
    internal static readonly string[] Keys = ["type", "required", "default", "minLen", "maxLen", "min", "max", "enum", "fields", "attribute", "description"];

    /// <summary>ps-go's type names, read as FlowGen's (a ps-go request is read unchanged).</summary>
    private static string Canonical(string type) => type switch { "int" => "integer", "float" => "number", "slice" => "array", "bool" => "boolean", _ => type };

    /// <summary>The nested fields: <c>fields</c>, or ps-go's <c>attribute</c>.</summary>
    private static DocNode? NestedFields(DocMapping rules) => rules["fields"] ?? rules["attribute"];

    public static RequestSchema? Read(DocNode node, FlowDocumentReader reader)
    {
        if (node is not DocMapping mapping)
        {
            reader.Shape(node.Location, $"'request' holds {node.Kind}", "write a mapping from each request field to its rules, such as phone: { type: string, required: true }");
            return null;
        }
        return new RequestSchema(Fields(mapping, reader, "request"), mapping.Location);
    }

    private static EquatableArray<SchemaField> Fields(DocMapping mapping, FlowDocumentReader reader, string path)
    {
        var fields = new List<SchemaField>();
        foreach (var entry in mapping.Entries)
        {
            if (Field(entry.Key, entry.Value, reader, path + "." + entry.Key.Name) is { } field) fields.Add(field);
        }
        return fields.ToEquatableArray();
    }

    private static SchemaField? Field(DocKey key, DocNode value, FlowDocumentReader reader, string path)
    {
        if (value is DocScalar shorthand)
        {
            // phone: string
            if (!Types.Contains(Canonical(shorthand.Value)))
            {
                reader.Shape(shorthand.Location, $"Field '{path}' has type '{shorthand.Value}'", $"use one of {string.Join(", ", Types)}");
                return null;
            }
            return new SchemaField(key.Name, Canonical(shorthand.Value), false, null, null, null, null, null, EquatableArray<string>.Empty, EquatableArray<SchemaField>.Empty, key.Location);
        }
        if (value is not DocMapping rules)
        {
            reader.Shape(value.Location, $"Field '{path}' holds {value.Kind}", "write its rules as a mapping, such as { type: string, required: true, maxLen: 20 }");
            return null;
        }

        reader.CheckKeys(rules, Keys, $"field '{path}'");

        var type = reader.Text(rules, "type") is { } written ? Canonical(written) : null;
        if (type is null)
        {
            type = NestedFields(rules) is not null ? "object" : "string";
        }
        else if (!Types.Contains(type))
        {
            reader.Shape(rules["type"]!.Location, $"Field '{path}' has type '{type}'", $"use one of {string.Join(", ", Types)}");
            return null;
        }

        var isNumber = type is "integer" or "number";
        var hasLength = type is "string" or "array";
        string? Number(string name)
        {
            var text = reader.Text(rules, name);
            if (text is null) return null;
            if (!isNumber)
            {
                reader.Shape(rules[name]!.Location, $"'{name}' on field '{path}' of type {type}", "min and max apply to integer and number fields; use minLen/maxLen for texts and lists");
                return null;
            }
            var valid = type == "integer"
                ? long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
                : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
            if (valid) return text;
            reader.Shape(rules[name]!.Location, $"'{name}' of field '{path}' is '{text}'", $"write {(type == "integer" ? "a whole number" : "a number")}");
            return null;
        }
        int? Length(string name)
        {
            var text = reader.Text(rules, name);
            if (text is null) return null;
            if (!hasLength)
            {
                reader.Shape(rules[name]!.Location, $"'{name}' on field '{path}' of type {type}", "minLen and maxLen apply to string and array fields; use min/max for numbers");
                return null;
            }
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var length)) return length;
            reader.Shape(rules[name]!.Location, $"'{name}' of field '{path}' is '{text}'", "write a whole number from 0");
            return null;
        }

        var min = Number("min");
        var max = Number("max");
        var minLength = Length("minLen");
        var maxLength = Length("maxLen");
        if (minLength > maxLength) reader.Shape(rules["minLen"]!.Location, $"Field '{path}' has minLen {minLength} above maxLen {maxLength}", "no value could pass: fix one of them");
        if (min is not null && max is not null && double.Parse(min, CultureInfo.InvariantCulture) > double.Parse(max, CultureInfo.InvariantCulture))
            reader.Shape(rules["min"]!.Location, $"Field '{path}' has min {min} above max {max}", "no value could pass: fix one of them");

        var values = new List<string>();
        if (rules["enum"] is { } enumNode)
        {
            if (enumNode is DocSequence list && list.Items.All(i => i is DocScalar) && list.Items.Count > 0)
            {
                foreach (var item in list.Items.Cast<DocScalar>())
                {
                    if (Check(type, item.Value) is { } wrong)
                        reader.Shape(item.Location, $"The enum value '{item.Value}' of field '{path}' does not fit its type {type}", wrong);
                    else
                        values.Add(item.Value);
                }
            }
            else
                reader.Shape(enumNode.Location, $"'enum' of field '{path}' holds {enumNode.Kind}", "write a non-empty list of the allowed values, such as enum: [app, web]");
            if (type is not ("string" or "integer" or "number"))
                reader.Shape(enumNode.Location, $"'enum' on field '{path}' of type {type}", "enum applies to string, integer and number fields");
        }

        var defaultValue = reader.Text(rules, "default");
        if (type == "boolean" && defaultValue is not null) defaultValue = defaultValue.ToLowerInvariant();
        if (defaultValue is not null && type is "object" or "array")
        {
            reader.Shape(rules["default"]!.Location, $"'default' on field '{path}' of type {type}", "defaults apply to string, integer, number and boolean fields");
            defaultValue = null;
        }
        if (defaultValue is not null && Check(type, defaultValue) is { } problem)
        {
            reader.Shape(rules["default"]!.Location, $"The default of field '{path}' is '{defaultValue}'", problem);
            defaultValue = null;
        }

        var nested = EquatableArray<SchemaField>.Empty;
        if (NestedFields(rules) is { } fieldsNode)
        {
            if (type != "object")
                reader.Shape(fieldsNode.Location, $"'fields' on field '{path}' of type {type}", "nested fields belong to object fields: write type: object");
            else if (fieldsNode is DocMapping fieldsMapping)
                nested = Fields(fieldsMapping, reader, path);
            else
                reader.Shape(fieldsNode.Location, $"'fields' of field '{path}' holds {fieldsNode.Kind}", "write a mapping from each nested field to its rules");
        }

        return new SchemaField(key.Name, type, reader.Boolean(rules, "required") ?? false, defaultValue, min, max, minLength, maxLength,
            values.ToEquatableArray(), nested, key.Location);
    }

    /// <summary>Why a literal does not fit a schema type, or null when it does.</summary>
    public static string? Check(string type, string value) => type switch
    {
        "integer" when !long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) => "write a whole number",
        "number" when !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _) => "write a number",
        "boolean" when value is not ("true" or "false") => "write true or false",
        _ => null,
    };
}
