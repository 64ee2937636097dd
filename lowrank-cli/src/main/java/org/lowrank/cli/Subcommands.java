package org.lowrank.cli;

import java.util.List;

/** The subcommands of {@code lowrank}, in the order of the pipeline. */
final class Subcommands {
  private Subcommands() {}

  static List<Object> all() {
    return List.of(
        new InspectCommand(),
        new PlanCommand(),
        new CompressCommand(),
        new FinetuneCommand(),
        new EvaluateCommand(),
        new BenchCommand(),
        new DemoCommand());
  }
}
