// dotnet run -c Release --project benchmarks/FlowGen.ClusterBenchmarks [-- --memory]   (needs redis-server and postgresql)
return FlowGen.Benchmarks.ClusterHarness.Run(args);
