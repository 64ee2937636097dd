package org.lowrank.bench.results;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.lowrank.bench.record.ResultLog;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * {@code ./bench results}: runs the rows of {@link Experiments} that the options select, one after
 * the other through {@link ExperimentRunner}, and appends one JSON line per measured row to {@code
 * results/experiments.jsonl} (id, row, experiment, rerun command, settings, metrics, and the
 * machine, load and git commit of {@link ResultLog#provenance}) as soon as it is measured; then,
 * for the default data file, regenerates RESULTS.md ({@code ./bench render}).
 */
@Command(
    name = "results",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "The experiments of issues 5 and 7 -> one JSON line per row in results/experiments.jsonl,"
          + " then RESULTS.md.",
      "1 ResNet x {tucker, cp, tt, hybrid} x {datafree, similarity}, fine-tuned, + a fine-tuning"
          + " reference per model; 2 Fashion-MNIST VGG, dense or conv layers; 3 issue 5's baselines"
          + " (ResNet-20, every method x selector, no fine-tuning); 4 decomposition speed and training"
          + " throughput; 5 issue 5's search-time goals (planning only).",
      "A row's id is its name plus the options that change what it measures; each line records"
          + " the command that reruns it alone (--experiments N --only ROW)."
    })
public final class ResultsCommand implements Callable<Integer> {
  @Mixin ResultsOptions options = new ResultsOptions();

  @Option(
      names = "--no-render",
      description =
          "Do not regenerate RESULTS.md at the end (it is only rendered for the default"
              + " --data).")
  boolean noRender;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Renders RESULTS.md and the README figures. */
  private final Consumer<PrintWriter> render;

  /** Renders RESULTS.md and the README figures in the working directory after a run. */
  public ResultsCommand() {
    this(org.lowrank.bench.ResultsPage::renderDefault);
  }

  public ResultsCommand(Consumer<PrintWriter> render) {
    this.render = render;
  }

  @Override
  public Integer call() throws Exception {
    ResultsOptions o = options;
    try {
      o.validate();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    given(o, spec.commandLine().getParseResult().matchedOptions());
    // PyTorch reads these once, when the engine loads: set them before any DJL use.
    setIfAbsent("ai.djl.pytorch.num_threads", Integer.toString(o.threads));
    setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
    setIfAbsent("ai.djl.offline", "true");
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ResultLog log = new ResultLog(o.data);
    Map<String, Map<String, Object>> latest = new LinkedHashMap<>(log.latest());
    ExperimentRunner runner = new ExperimentRunner(o, latest, err);
    List<Experiment> rows = Experiments.of(o);
    int appended = 0;
    for (Experiment e : rows) {
      err.println("[results] " + e.id() + " ...");
      for (ExperimentRunner.Measured m : runner.run(e)) {
        Map<String, Object> line = line(e, m);
        log.append(line);
        latest.put((String) line.get("id"), line);
        appended++;
        err.println("[results] " + line.get("id") + ": " + m.metrics());
        err.flush();
      }
    }
    out.println("ran " + rows.size() + " rows, appended " + appended + " lines to " + o.data);
    out.flush();
    if (!noRender && o.data.equals(new ResultsOptions().data) && appended > 0) {
      render.accept(out);
    }
    return 0;
  }

  /** The JSON line of one measured row. */
  static Map<String, Object> line(Experiment e, ExperimentRunner.Measured m) {
    String row = e.row() + m.suffix();
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("id", row + e.id().substring(e.row().length()));
    line.put("row", row);
    line.put("experiment", e.number());
    line.put("command", e.command());
    line.put("settings", e.settings());
    line.put("metrics", m.metrics());
    line.putAll(ResultLog.provenance());
    return line;
  }

  /**
   * Fills {@code o.typed} (every option as typed but the row pickers) and {@code o.given} (those
   * that change what a row measures) from the matched options, in command-line order.
   */
  static void given(ResultsOptions o, List<OptionSpec> matched) {
    o.typed = new ArrayList<>();
    o.given = new ArrayList<>();
    for (OptionSpec s : matched) {
      String name = s.longestName();
      if (name.equals("--experiments")
          || name.equals("--only")
          || name.equals("--data")
          || name.equals("--no-render")) {
        continue;
      }
      List<String> words = new ArrayList<>();
      List<String> values = s.originalStringValues();
      if (name.equals("--prune-latency")) {
        words.add(name + "=" + o.pruneLatency);
      } else if (s.arity().max() == 0) {
        words.add(name);
      } else {
        words.add(name);
        words.add(String.join(",", values));
      }
      o.typed.addAll(words);
      if (!ResultsOptions.NOT_IN_ID.contains(name)) {
        o.given.addAll(words);
      }
    }
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
