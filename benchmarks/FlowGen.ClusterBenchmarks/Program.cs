return FlowGen.Benchmarks.ClusterHarness.Run();
