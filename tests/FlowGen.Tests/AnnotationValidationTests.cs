using System.ComponentModel.DataAnnotations;
using Xunit;

namespace FlowGen.Tests;

// Flows/annotated-order.flow.yaml: DataAnnotations on the C# request (Kstry's JSR-303 on request objects), checked
// when the flow starts by attribute instances the generator writes; a failing request never reaches a task.
public sealed record AnnotatedOrder(
    [property: Required, StringLength(8, MinimumLength = 3)] string? OrderId,
    [Range(1, 100)] int Quantity,                                          // on the record parameter: read there too
    [property: EmailAddress, Display(Name = "Contact mail")] string? Email) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (OrderId == "VOID") yield return new ValidationResult("VOID orders cannot be placed", [nameof(OrderId)]);
    }
}

[FlowComponent("annotated")]
public sealed class Annotated
{
    public int Accepted { get; private set; }

    [FlowTask("accept"), ToResult] public string Accept(AnnotatedOrder order) { Accepted++; return "accepted " + order.OrderId; }
}

[Flow("annotated-order")]
public sealed partial class AnnotatedOrderFlow : IFlow<AnnotatedOrder, string>;

public sealed class AnnotationValidationTests
{
    private readonly Annotated _tasks = new();

    [Fact]
    public async Task A_valid_request_runs()
    {
        var result = await new AnnotatedOrderFlow(_tasks).RunAsync(new AnnotatedOrder("A-100", 3, "a@b.example"));

        Assert.True(result.IsSuccess, result.ToString());
        Assert.Equal("accepted A-100", result.Value);
    }

    [Fact]
    public async Task Every_failing_member_is_listed_with_the_attributes_message_and_no_task_runs()
    {
        var result = await new AnnotatedOrderFlow(_tasks).RunAsync(new AnnotatedOrder("AB", 0, "not-mail"));

        Assert.False(result.IsSuccess);
        Assert.Equal(FlowErrorCodes.ValidationFailed, result.Error!.Code);
        Assert.Equal("annotated-order", result.Error.NodeId);
        Assert.Equal(
            [("OrderId", "StringLength"), ("Quantity", "Range"), ("Email", "EmailAddress")],
            result.Error.FieldErrors.Select(e => (e.Field, e.Rule)));
        Assert.Contains("The field Quantity must be between 1 and 100.", result.Error.FieldErrors[1].Message);
        Assert.Contains("Contact mail", result.Error.FieldErrors[2].Message); // [Display(Name = ...)]
        Assert.Equal(0, _tasks.Accepted);
    }

    [Fact]
    public async Task A_missing_required_member_and_the_requests_own_Validate_are_reported()
    {
        var missing = await new AnnotatedOrderFlow(_tasks).RunAsync(new AnnotatedOrder(null, 5, null));
        var voided = await new AnnotatedOrderFlow(_tasks).RunAsync(new AnnotatedOrder("VOID", 5, null));

        Assert.Equal(("OrderId", "Required"), (missing.Error!.FieldErrors[0].Field, missing.Error.FieldErrors[0].Rule));
        Assert.Equal(("OrderId", "Validate", "VOID orders cannot be placed"),
            (voided.Error!.FieldErrors[0].Field, voided.Error.FieldErrors[0].Rule, voided.Error.FieldErrors[0].Message));
        Assert.Equal(0, _tasks.Accepted);
    }
}
