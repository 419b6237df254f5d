using System.Reflection;
using FlowGen.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers FlowGen in an application's services.</summary>
public static class FlowGenServiceCollectionExtensions
{
    /// <summary>
    /// Registers every generated flow (as its class and as IFlow&lt;TRequest, TResult&gt;) and every component the
    /// flows call, with the lifetimes of <see cref="FlowGenOptions"/>; the default run options made from those
    /// options; and, unless <see cref="FlowGenOptions.LogTasks"/> is off, the logging interceptor.
    /// </summary>
    /// <param name="configure">Sets options in code (after configuration).</param>
    /// <param name="assemblies">Assemblies with flows besides the application's own (a library's flows register when the library is first used; naming it here registers them now).</param>
    public static IServiceCollection AddFlowGen(this IServiceCollection services, Action<FlowGenOptions>? configure = null, params Assembly[] assemblies)
        => AddFlowGen(services, configuration: null, configure, assemblies);

    /// <summary>As <see cref="AddFlowGen(IServiceCollection, Action{FlowGenOptions}?, Assembly[])"/>, with options bound from <paramref name="configuration"/>'s "FlowGen" section.</summary>
    public static IServiceCollection AddFlowGen(this IServiceCollection services, IConfiguration? configuration, Action<FlowGenOptions>? configure = null, params Assembly[] assemblies)
    {
        ArgumentNullException.ThrowIfNull(services);
        // The options are needed now (lifetimes), so they are built here as well as registered for IOptions.
        var options = new FlowGenOptions();
        var section = configuration?.GetSection(FlowGenOptions.SectionName);
        if (section is not null) section.Bind(options);
        configure?.Invoke(options);

        var builder = services.AddOptions<FlowGenOptions>();
        if (section is not null) builder.Bind(section);
        if (configure is not null) builder.Configure(configure);

        // Variables: the "FlowGen:Variables" section, per the host environment (Kstry's KV scopes).
        if (section is not null)
        {
            var variables = section.GetSection("Variables");
            services.TryAddSingleton<FlowGen.IFlowVariableSource>(provider => new ConfigurationVariableSource(variables, provider.GetService<Microsoft.Extensions.Hosting.IHostEnvironment>()?.EnvironmentName));
        }
        services.TryAddSingleton(static provider => provider.GetRequiredService<IOptions<FlowGenOptions>>().Value.ToRunOptions(provider.GetService<FlowGen.IFlowVariableSource>(), provider.GetService<FlowGen.IFlowRoleSource>(),
            provider.GetService<FlowGen.Durable.FlowSuspensions>(), provider.GetService<FlowGen.Durable.IFlowEventSink>()));
        // The settings of HTTP tasks: FlowHttpClient (registered with the flows that call it) takes them from DI.
        services.TryAddSingleton(static provider => new FlowGen.FlowHttpOptions
        {
            MaxResponseBytes = provider.GetRequiredService<IOptions<FlowGenOptions>>().Value.HttpMaxResponseBytes ?? FlowGen.FlowHttpOptions.DefaultMaxResponseBytes,
        });
        if (options.LogTasks)
            services.TryAddEnumerable(ServiceDescriptor.Singleton<FlowGen.IFlowInterceptor, FlowLoggingInterceptor>());

        foreach (var assembly in assemblies) FlowGen.FlowRegistry.Include(assembly);
        FlowGen.FlowRegistry.AddAll(services, options.FlowLifetime, options.ComponentLifetime);
        return services;
    }
}
