using FlowGen;
using Xunit;

namespace FlowGen.Tests;

// Flows/signup.flow.yaml: a request schema compiled into a validator that runs at the start node.

public sealed record SignUp(string? Phone, int? Age = null, string? Channel = null, double Score = 1, SignUpAddress? Address = null, string[]? Tags = null);

public sealed class SignUpAddress
{
    public string? City { get; set; }

    public string? Zip { get; set; }
}

[FlowComponent("signup")]
public sealed class SignUpTasks(Recorder log)
{
    [FlowTask("describe"), ToResult]
    public string Describe(SignUp request)
    {
        log.Add("describe");
        return $"{request.Phone}|{request.Age}|{request.Channel}|{request.Address?.City}|{request.Address?.Zip}";
    }
}

[Flow("signup")]
public sealed partial class SignUpFlow : IFlow<SignUp, string>;

public sealed class ValidationTests
{
    private readonly Recorder _log = new();

    [Fact]
    public async Task A_valid_request_runs_with_the_defaults_filled_in()
    {
        var result = await new SignUpFlow(new SignUpTasks(_log)).RunAsync(new SignUp("13800138000", Address: new SignUpAddress { City = "Hangzhou" }));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("13800138000|30|app|Hangzhou|000000", result.Value);
    }

    [Fact]
    public async Task Given_values_are_kept()
    {
        var result = await new SignUpFlow(new SignUpTasks(_log)).RunAsync(new SignUp("13800138000", 40, "web", 2.5, new SignUpAddress { City = "Ningbo", Zip = "315000" }, ["a"]));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("13800138000|40|web|Ningbo|315000", result.Value);
    }

    [Fact]
    public async Task An_invalid_request_fails_before_any_task_and_lists_every_failing_field()
    {
        var request = new SignUp("1380013", 12, "fax", 0.1, new SignUpAddress(), ["a", "b", "c", "d"]);

        var result = await new SignUpFlow(new SignUpTasks(_log)).RunAsync(request);

        Assert.False(result.IsSuccess);
        Assert.Equal(FlowErrorCodes.ValidationFailed, result.Error.Code);
        Assert.Equal("signup", result.Error.NodeId);
        Assert.Empty(_log.Calls);
        Assert.Equal(
            [
                ("phone", "minLen", "must have at least 11 characters (it has 7)"),
                ("age", "min", "must be at least 18 (it is 12)"),
                ("channel", "enum", "must be one of app, web (it is fax)"),
                ("score", "min", "must be at least 0.5 (it is 0.1)"),
                ("address.city", "required", "is required"),
                ("tags", "maxLen", "must have at most 3 items (it has 4)"),
            ],
            result.Error.FieldErrors.Select(e => (e.Field, e.Rule, e.Message)));
        Assert.Contains("phone must have at least 11 characters (it has 7); age must be at least 18", result.Error.Message);
    }

    [Fact]
    public async Task A_missing_required_field_is_reported_and_a_missing_optional_object_is_not()
    {
        var result = await new SignUpFlow(new SignUpTasks(_log)).RunAsync(new SignUp(null, Age: 200));

        Assert.False(result.IsSuccess);
        Assert.Equal(["phone required", "age max"], result.Error.FieldErrors.Select(e => e.Field + " " + e.Rule));
    }
}
