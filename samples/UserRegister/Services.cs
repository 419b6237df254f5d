using FlowGen;

namespace UserRegister;

/// <summary>The registration request, as a client posts it.</summary>
public sealed record RegisterRequest(string? Phone, string? Nickname, string? Channel = null, int? Age = null);

public sealed record PhoneCheck(string Phone, string Carrier);

public sealed record User(long Id, string Phone, string Nickname, bool IsNew);

public sealed record Coupon(string Code, int Amount);

/// <summary>The response: missing parts get a default body (ps-go's response defaults).</summary>
public sealed record RegisterResponse(long UserId, string Nickname, string Coupon, string Sms);

/// <summary>Users: phone validation, registration and the response (simulated in process).</summary>
[FlowComponent("users")]
public sealed class UserService
{
    private readonly Dictionary<string, User> _byPhone = new();
    private long _nextId = 1000;

    [FlowTask("validate-phone"), ToState("phoneCheck")]
    public async ValueTask<PhoneCheck> ValidatePhoneAsync([FromRequest("phone")] string phone, CancellationToken cancellationToken)
    {
        await Task.Delay(20, cancellationToken); // a carrier lookup
        if (!phone.StartsWith('1') || !phone.All(char.IsAsciiDigit)) throw new ArgumentException($"'{phone}' is not a mobile number");
        return new PhoneCheck(phone, phone[..3] switch { "138" or "139" => "China Mobile", "186" => "China Unicom", _ => "other" });
    }

    [FlowTask("register"), ToState("user")]
    public async Task<User> RegisterAsync(RegisterRequest request, [FromState("phoneCheck")] PhoneCheck phone, CancellationToken cancellationToken)
    {
        await Task.Delay(30, cancellationToken); // the user database
        lock (_byPhone)
        {
            if (_byPhone.TryGetValue(phone.Phone, out var existing)) return existing with { IsNew = false };
            var user = new User(++_nextId, phone.Phone, request.Nickname!, IsNew: true);
            _byPhone[phone.Phone] = user;
            return user;
        }
    }

    [FlowTask("respond"), ToResult]
    public RegisterResponse Respond([FromState("user")] User user, [FromState("coupon")] Coupon? coupon, [FromState("smsReceipt")] string? smsReceipt)
        => new(user.Id, user.Nickname, coupon is null ? "none" : $"{coupon.Code} ({coupon.Amount} off)", smsReceipt ?? "not sent");
}

/// <summary>Marketing: grants a welcome coupon to new users.</summary>
[FlowComponent("marketing")]
public sealed class MarketingService
{
    [FlowTask("grant-coupon")]
    public async ValueTask<Coupon> GrantCouponAsync([FromState("user")] User user, CancellationToken cancellationToken)
    {
        await Task.Delay(40, cancellationToken);
        return new Coupon($"WELCOME-{user.Id}", 10);
    }
}

/// <summary>SMS: the provider can be switched to failing to show ignore-error and the default body.</summary>
[FlowComponent("sms")]
public sealed class SmsService
{
    public bool ProviderDown { get; set; }

    public int Attempts { get; private set; }

    [FlowTask("send-welcome"), ToState("smsReceipt")]
    public async Task<string> SendWelcomeAsync([FromState("user")] User user, CancellationToken cancellationToken)
    {
        Attempts++;
        await Task.Delay(25, cancellationToken);
        if (ProviderDown) throw new HttpRequestException("SMS provider answered 503");
        return $"sms-{user.Id}-{Attempts}";
    }
}

[Flow("user-register")]
public sealed partial class UserRegisterFlow : IFlow<RegisterRequest, RegisterResponse>;
