namespace FlowGen.WebConsole;

/// <summary>Settings of the console mapped by <c>MapFlowGenConsole</c> (docs/console.md).</summary>
public sealed class FlowGenConsoleOptions
{
    /// <summary>The page's title (the application's name, say). Default: "FlowGen".</summary>
    public string Title { get; set; } = "FlowGen";

    /// <summary>
    /// When true, the console shows flows and instances but offers no actions, and its action endpoints answer 403.
    /// Default: false.
    /// </summary>
    public bool ReadOnly { get; set; }

    /// <summary>
    /// When false, an instance's page does not show its state (request and bus values may hold personal data). Default:
    /// true.
    /// </summary>
    public bool ShowState { get; set; } = true;

    /// <summary>How many instances a search lists at most (a search may ask for fewer). Default: 200.</summary>
    public int MaxInstances { get; set; } = 200;

    /// <summary>How many history entries an instance's page shows (the newest). Default: 500.</summary>
    public int MaxHistory { get; set; } = 500;
}
