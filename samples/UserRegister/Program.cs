using FlowGen;
using UserRegister;

// ps-go's registration flow as JSON steps (Flows/user-register.flow.json), compiled: the request schema is
// checked first, then validate phone -> register -> (grant coupon | send SMS) together -> response.
var sms = new SmsService();
var flow = new UserRegisterFlow(userService: new UserService(), marketingService: new MarketingService(), smsService: sms);
var options = new FlowRunOptions { Tracking = TrackingMode.Node };
var failures = 0;

async Task Run(string title, RegisterRequest request)
{
    var result = await flow.RunAsync(request, options);
    Console.WriteLine($"== {title}");
    if (result.IsSuccess)
    {
        var r = result.Value!;
        Console.WriteLine($"   user {r.UserId} ({r.Nickname}), coupon: {r.Coupon}, sms: {r.Sms}");
        Console.WriteLine(result.Trace);
    }
    else
    {
        failures++;
        Console.WriteLine($"   {result.Error.Code} at '{result.Error.NodeId}': {result.Error.Message}");
        foreach (var field in result.Error.FieldErrors) Console.WriteLine($"   - {field.Field} ({field.Rule}): {field.Message}");
        Console.WriteLine();
    }
}

await Run("a new user", new RegisterRequest("13800138000", "ada"));
await Run("the same phone again: not new, so no coupon", new RegisterRequest("13800138000", "ada", "web"));
sms.ProviderDown = true;
await Run("the SMS provider is down: the response gets its default body", new RegisterRequest("18600186000", "grace", "web"));
sms.ProviderDown = false;
await Run("an invalid request: every failing field is listed", new RegisterRequest("1380013", null, "fax", 7));
await Run("a phone the carrier lookup rejects", new RegisterRequest("23800138000", "linus"));

// Two of the five runs are meant to fail: the invalid request and the rejected phone.
return failures == 2 ? 0 : 1;
