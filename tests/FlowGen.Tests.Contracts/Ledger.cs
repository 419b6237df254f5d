using System.Collections.Concurrent;

namespace FlowGen.Tests.Contracts;

/// <summary>An event of the billing service: a payment towards an invoice.</summary>
[FlowEvent("invoice-paid")]
public sealed record InvoicePaid(string InvoiceId, decimal Amount);

/// <summary>What the ledger holds for an invoice after a payment.</summary>
public sealed record Balance(string InvoiceId, decimal Paid);

/// <summary>The ledger service: books each payment of an invoice.</summary>
[FlowComponent("ledger")]
public sealed class Ledger
{
    /// <summary>Every booking, in order: "invoice: amount -> total".</summary>
    public ConcurrentQueue<string> Bookings { get; } = new();

    [FlowTask("book"), ToState("balance")]
    public Balance Book(InvoicePaid request, [FromState("payment")] InvoicePaid? payment, [FromState("balance")] Balance? balance)
    {
        var amount = (payment ?? request).Amount;
        var total = (balance?.Paid ?? 0) + amount;
        Bookings.Enqueue($"{request.InvoiceId}: {amount} -> {total}");
        return new Balance(request.InvoiceId, total);
    }
}
