using FlowGen;
using Xunit;

namespace FlowGen.Tests;

// The runtime side of the condition functions whose results are values, not truths: what the generated code calls.
public sealed class FlowFunctionsTests
{
    [Theory]
    [InlineData(2.5, 3.0)]
    [InlineData(-2.5, -3.0)]
    [InlineData(2.4, 2.0)]
    [InlineData(-0.4, 0.0)]
    public void Round_goes_to_the_nearest_whole_number_and_halves_away_from_zero(double value, double expected)
    {
        Assert.Equal(expected, FlowFunctions.Round(value));
        Assert.Equal((decimal)expected, FlowFunctions.Round((decimal)value));
        Assert.Equal((float)expected, FlowFunctions.Round((float)value));
        Assert.Null(FlowFunctions.Round((double?)null));
    }

    [Fact]
    public void Abs_keeps_the_type_and_null()
    {
        Assert.Equal(3, FlowFunctions.Abs(-3));
        Assert.Equal(1.5m, FlowFunctions.Abs(-1.5m));
        Assert.Null(FlowFunctions.Abs((int?)null));
        Assert.Throws<OverflowException>(() => FlowFunctions.Abs(int.MinValue)); // as Math.Abs: a condition that does this fails with FLOW_CONDITION_FAILED
    }

    [Fact]
    public void Collection_functions_sum_in_the_items_type_and_give_null_for_no_first_item()
    {
        Assert.Equal(6, FlowFunctions.Sum(new List<int> { 1, 2, 3 }));
        Assert.Equal(0.5m, FlowFunctions.Sum(new[] { 0.25m, 0.25m }));
        Assert.Equal(0, FlowFunctions.Sum((int[]?)null));
        Assert.Equal(1, FlowFunctions.FirstValue(new List<int> { 1, 2 }));
        Assert.Null(FlowFunctions.FirstValue(new List<int>()));
        Assert.Equal("a", FlowFunctions.First(new[] { "a", "b" }));
        Assert.Null(FlowFunctions.First((string[]?)null));
        Assert.Equal("ab", FlowFunctions.Concat("a", "b"));
        Assert.Equal("a", FlowFunctions.Concat("a", null));
    }

    [Fact]
    public void String_functions_use_the_invariant_culture_and_ordinal_comparison_and_keep_null()
    {
        Assert.Equal("ISTANBUL", FlowFunctions.Upper("istanbul")); // invariant: no Turkish dotted I
        Assert.Equal("app", FlowFunctions.Lower("APP"));
        Assert.Equal("a b", FlowFunctions.Trim("  a b \t"));
        Assert.Null(FlowFunctions.Upper(null));
        Assert.True(FlowFunctions.StartsWith("apple", "ap"));
        Assert.False(FlowFunctions.StartsWith("Apple", "ap"));
        Assert.True(FlowFunctions.EndsWith("apple", "le"));
        Assert.False(FlowFunctions.EndsWith(null, "le"));
        Assert.False(FlowFunctions.StartsWith("apple", null));
    }

    [Fact]
    public void Value_gives_a_sets_value_or_fails_naming_the_expression_and_the_fix()
    {
        Assert.Equal(3, FlowFunctions.Value<int>(3, "var.line.qty"));

        var failure = Assert.Throws<InvalidOperationException>(() => FlowFunctions.Value<int>(null, "var.line.qty"));

        Assert.Contains("'var.line.qty' is null", failure.Message);
        Assert.Contains("coalesce(var.line.qty, <default>)", failure.Message);
    }
}
