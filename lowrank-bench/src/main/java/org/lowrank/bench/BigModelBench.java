package org.lowrank.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.lowrank.bench.record.Cells;
import org.lowrank.bench.record.CliRun;
import org.lowrank.bench.record.ResultLog;
import org.lowrank.bench.results.MarkdownTable;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.util.Json;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./bench big}: issue 19's big-model rows, each one {@code lowrank} command run in a child
 * JVM (as a user runs it, so its peak RSS is its own): the InceptionV3-shaped model ({@link
 * InceptionV3Onnx}) compressed with CP and no data (CPU seconds, wall, the report's stage split,
 * layers factorized, parameters before and after), and the peak RSS of the similarity selector's
 * plan on ResNet-56 and on the InceptionV3-shaped model at 224x224, with the default {@code
 * --memory-budget} and a small one. CPU seconds and peak RSS are sampled from {@code /proc} every
 * {@value #POLL_MILLIS} ms while the child runs (the last interval is not seen). Appends to {@code
 * results/big.jsonl} and renders its RESULTS.md block.
 */
@Command(
    name = "big",
    mixinStandardHelpOptions = true,
    description =
        "InceptionV3-shaped CP compress (CPU-s, stages) and similarity-selector peak RSS rows.")
public final class BigModelBench implements Callable<Integer> {
  static final String BLOCK = "big";
  static final Path DATA = Path.of("results", "big.jsonl");
  static final int POLL_MILLIS = 100;

  /** The small budget of the memory rows. */
  static final String SMALL_BUDGET = "256m";

  /** Calibration images of the 224x224 memory rows. */
  static final int CALIBRATION_224 = 16;

  /**
   * The 224x224 memory rows' plan options: Tucker-2, the similarity search on {@value
   * #CALIBRATION_224} calibration images.
   */
  static final List<String> INCEPTION_224_PLAN =
      List.of("--method", "tucker2", "--calibration", String.valueOf(CALIBRATION_224));

  /**
   * A row: id, what it measures, the model ({@code inception-v3}, {@code inception-v3-224} or a
   * shared model folder) and the {@code lowrank} arguments after the model ({@code OUT} = the
   * scratch output, {@code DATA} = the CIFAR-10 JPEG zip).
   */
  record Row(String id, String what, String model, List<String> args) {}

  static final List<Row> ROWS =
      List.of(
          inception("inception-v3/cp", "InceptionV3-shaped, CP, no data", "cp"),
          inception(
              "inception-v3/cp-keep-params-0.5",
              "InceptionV3-shaped, CP, no data, half the parameters (energy selector scores CP"
                  + " ranks; exit 4 expected: the fidelity guard rejects random weights)",
              "cp",
              "--keep-params",
              "0.5"),
          inception(
              "inception-v3/cp-keep-params-0.5/threads-2",
              "as inception-v3/cp-keep-params-0.5 on both cores of this machine (--threads 2)",
              "cp",
              "--keep-params",
              "0.5",
              "--threads",
              "2"),
          inception(
              "inception-v3/hybrid-keep-params-0.5",
              "InceptionV3-shaped, hybrid (Tucker-2, CP, TT per layer), no data, half the"
                  + " parameters (exit 4 expected, as above)",
              "hybrid",
              "--keep-params",
              "0.5"),
          memory("resnet56", "resnet56_cifar10", List.of(), null),
          memory("resnet56", "resnet56_cifar10", List.of(), SMALL_BUDGET),
          memory("inception-v3-224", "inception-v3-224", INCEPTION_224_PLAN, null),
          memory("inception-v3-224", "inception-v3-224", INCEPTION_224_PLAN, SMALL_BUDGET));

  /**
   * {@code compress} of the InceptionV3-shaped model with {@code method} and {@code options} (e.g.
   * "--keep-params", "0.5"), one thread unless they say otherwise, no latency measurement, slower
   * candidates allowed.
   */
  private static Row inception(String id, String what, String method, String... options) {
    List<String> args = new ArrayList<>(List.of("compress", "--method", method));
    args.addAll(List.of(options));
    if (!args.contains("--threads")) {
      args.addAll(List.of("--threads", "1"));
    }
    args.addAll(List.of("--no-latency", "--allow-slower", "-o", "OUT.onnx"));
    return new Row(id, what, "inception-v3", args);
  }

  private static Row memory(String name, String model, List<String> extra, String budget) {
    List<String> args =
        new ArrayList<>(
            List.of("plan", "--selector", "similarity", "--data", "DATA", "--threads", "1"));
    args.addAll(extra);
    if (budget != null) {
      args.addAll(List.of("--memory-budget", budget));
    }
    args.addAll(List.of("-o", "OUT.json"));
    return new Row(
        "memory/" + name + "/" + (budget == null ? "default" : budget),
        "similarity plan, --memory-budget " + (budget == null ? "default" : budget),
        model,
        args);
  }

  @Option(names = "--shared", paramLabel = "DIR", description = "Shared data folder.")
  Path shared = Path.of("..", "shared", "data");

  @Option(names = "--work", paramLabel = "DIR", description = "Scratch folder.")
  Path work = Path.of(System.getProperty("java.io.tmpdir"), "lowrank-big");

  @Option(
      names = "--only",
      paramLabel = "TEXT",
      description = "Only rows whose id contains TEXT (comma-separated: any of them).")
  String only;

  @Option(
      names = "--heap",
      paramLabel = "SIZE",
      description =
          "-Xmx of each child JVM, as the launcher's default (default: ${DEFAULT-VALUE}).")
  String heap = "8g";

  @Option(
      names = "--data",
      paramLabel = "FILE",
      description = "JSON lines to append to and render from (default: ${DEFAULT-VALUE}).")
  Path data = DATA;

  @Mixin RenderOptions page = new RenderOptions();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException, InterruptedException {
    PrintWriter err = spec.commandLine().getErr();
    ResultLog log = new ResultLog(data);
    ResultLog.provenance();
    if (!page.renderOnly) {
      Files.createDirectories(work);
      for (Row row : ROWS) {
        if (only != null
            && java.util.Arrays.stream(only.split(",")).noneMatch(row.id()::contains)) {
          continue;
        }
        err.println("big: " + row.id() + " ...");
        err.flush();
        Map<String, Object> m = measure(row);
        err.println(Json.write(m, 0));
        err.flush();
        log.append(m);
      }
    }
    page.write(BLOCK, render(log.latest()));
    spec.commandLine().getOut().println("rendered the " + BLOCK + " block of " + page.results);
    return 0;
  }

  /** The model file of a row: generated into the scratch folder, or the shared model. */
  private Path model(String name) throws IOException {
    if (name.startsWith("inception-v3")) {
      int size = name.endsWith("-224") ? 224 : InceptionV3Onnx.DEFAULT_SIZE;
      Path f = work.resolve("inception_v3_" + size + ".onnx");
      if (!Files.exists(f)) {
        OnnxWriter.write(InceptionV3Onnx.build(1, size), f);
      }
      return f;
    }
    return shared.resolve("models").resolve(name).resolve("model.onnx");
  }

  Map<String, Object> measure(Row row) throws IOException, InterruptedException {
    Path model = model(row.model());
    String stem = row.id().replace('/', '_');
    Path cifar = shared.resolve("cifar10").resolve("cifar10-jpeg.zip");
    List<String> args = new ArrayList<>();
    args.add(row.args().get(0));
    args.add(model.toString());
    Path out = null;
    for (String a : row.args().subList(1, row.args().size())) {
      if (a.startsWith("OUT")) {
        out = work.resolve(stem + a.substring(3));
        Files.deleteIfExists(out);
        a = out.toString();
      } else if (a.equals("DATA")) {
        a = cifar.toString();
      }
      args.add(a);
    }
    ChildRun run = ChildRun.of(heap, args, work.resolve(stem + ".log"), POLL_MILLIS);
    Map<Path, String> labels = new LinkedHashMap<>();
    if (out != null) {
      labels.put(out, out.getFileName().toString().replace(stem, "OUT"));
      labels.put(out.resolveSibling(stem), "OUT"); // OUT.rejected.onnx in a guard's message
    }
    if (row.model().startsWith("inception")) {
      labels.put(model, row.model() + ".onnx");
    }
    labels.put(shared, "../shared/data");
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", row.id());
    m.put("what", row.what());
    m.put(
        "command",
        (row.model().startsWith("inception")
                ? "./bench inception-v3 --out "
                    + row.model()
                    + ".onnx"
                    + (row.model().endsWith("-224") ? " --size 224" : "")
                    + "; "
                : "")
            + CliRun.scrub("./lowrank " + String.join(" ", args), labels));
    m.put("exit_code", run.exitCode());
    m.put("wall_s", run.wallSeconds());
    m.put("cpu_s", run.cpuSeconds());
    m.put("peak_rss_mib", run.peakRssKib() / 1024.0);
    m.put("heap", "-Xmx" + heap);
    if (run.exitCode() != 0) {
      m.put("message", CliRun.scrub(run.lastLine(), labels));
    }
    Path reportFile =
        out == null ? null : out.resolveSibling(stem + ".report.json"); // compress only
    if (reportFile != null && !Files.exists(reportFile)) {
      // a model the fidelity guard rejected is written with its report as OUT.rejected.*
      reportFile = out.resolveSibling(stem + ".rejected.report.json");
    }
    if (reportFile != null && Files.exists(reportFile)) {
      reportFields(Json.parseObject(Files.readString(reportFile)), m);
    }
    if (row.model().endsWith("-224")) {
      m.put("calibration_images", "CIFAR-10 train JPEGs, 32x32 resized bilinear to 224x224");
    }
    m.putAll(ResultLog.provenance());
    return m;
  }

  /** Stage wall seconds, parameters and factorized layers from a compress report. */
  static void reportFields(Map<String, Object> report, Map<String, Object> m) {
    if (report.get("timings_seconds") instanceof Map<?, ?> t) {
      for (String stage : List.of("plan", "factorize", "verify")) {
        if (t.get(stage) instanceof Number n) {
          m.put(stage + "_wall_s", n.doubleValue());
        }
      }
    }
    if (report.get("totals") instanceof Map<?, ?> totals) {
      if (totals.get("before") instanceof Map<?, ?> b) {
        m.put("params_before", b.get("params"));
      }
      if (totals.get("after") instanceof Map<?, ?> a) {
        m.put("params_after", a.get("params"));
      }
    }
    if (report.get("plan") instanceof Map<?, ?> plan && plan.get("layers") instanceof List<?> ls) {
      long factorized =
          ls.stream()
              .filter(l -> l instanceof Map<?, ?> lm && !"none".equals(lm.get("method")))
              .count();
      m.put("layers", ls.size());
      m.put("layers_factorized", factorized);
    }
  }

  /** The RESULTS.md block: one table, the compress row(s), then the peak-RSS rows. */
  static String render(Map<String, Map<String, Object>> latest) {
    MarkdownTable t =
        new MarkdownTable(
            "row",
            "CPU-s",
            "wall s",
            "peak RSS MiB",
            "heap",
            "plan / factorize / verify wall s",
            "layers factorized",
            "params",
            "git");
    List<Map<String, Object>> rows = new ArrayList<>(latest.values());
    rows.sort(
        java.util.Comparator.comparing(r -> String.valueOf(r.get("id")).startsWith("memory/")));
    for (Map<String, Object> r : rows) {
      boolean compress = r.containsKey("plan_wall_s");
      t.add(
          "`"
              + r.get("id")
              + "`"
              + (r.get("exit_code") instanceof Number n && n.intValue() == 0
                  ? ""
                  : " exit " + r.get("exit_code")),
          Cells.fixed(r.get("cpu_s"), 1),
          Cells.fixed(r.get("wall_s"), 0),
          Cells.fixed(r.get("peak_rss_mib"), 0),
          Cells.str(r.get("heap")),
          compress
              ? Cells.fixed(r.get("plan_wall_s"), 0)
                  + " / "
                  + Cells.fixed(r.get("factorize_wall_s"), 0)
                  + " / "
                  + Cells.fixed(r.get("verify_wall_s"), 0)
              : "",
          compress ? r.get("layers_factorized") + " of " + r.get("layers") : "",
          compress
              ? Cells.count(r.get("params_before")) + " -> " + Cells.count(r.get("params_after"))
              : "",
          Cells.str(r.get("git")));
    }
    return "**Big models (issue 19)**, `./bench big`: each `lowrank` command in its own JVM, 1"
        + " thread (`threads-2`: both cores), CPU-s and peak RSS (VmHWM) sampled from /proc every "
        + POLL_MILLIS
        + " ms, wall times on a shared loaded machine; memory rows: `plan --selector similarity`"
        + " on CIFAR-10 JPEGs (224 rows: resized to 224x224, `--calibration "
        + CALIBRATION_224
        + "`); `inception-v3/cp`: on random weights no CP rank that removes at least 10% of a"
        + " layer keeps 99% of its energy, and the ranks nearer the break-even are not scored"
        + " (the plan notes say which). Rerun one row: `./bench big"
        + " --only ID`; its commands are in `"
        + DATA
        + "`.\n\n"
        + (t.rowCount() == 0 ? "No rows recorded yet.\n" : t.render());
  }

  /**
   * A {@code lowrank} command in a child JVM on this JVM's class path: exit code, wall seconds, and
   * the CPU seconds and peak RSS (VmHWM) last sampled while it ran.
   */
  record ChildRun(
      int exitCode, double wallSeconds, double cpuSeconds, long peakRssKib, String lastLine) {
    static ChildRun of(String heap, List<String> args, Path log, int pollMillis)
        throws IOException, InterruptedException {
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.add("-Xmx" + heap);
      cmd.add("-Dai.djl.offline=true");
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add("org.lowrank.cli.Main");
      cmd.addAll(args);
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      pb.environment().putIfAbsent("ORT_DISABLE_TELEMETRY", "1");
      pb.redirectOutput(log.toFile());
      long t0 = System.nanoTime();
      Process p = pb.start();
      double cpu = 0;
      long rss = 0;
      Path status = Path.of("/proc", String.valueOf(p.pid()), "status");
      while (!p.waitFor(pollMillis, java.util.concurrent.TimeUnit.MILLISECONDS)) {
        cpu = Math.max(cpu, p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L) / 1e9);
        rss = Math.max(rss, vmHwmKib(status));
      }
      double wall = (System.nanoTime() - t0) / 1e9;
      List<String> lines = Files.readAllLines(log);
      String last = lines.isEmpty() ? "" : lines.get(lines.size() - 1).strip();
      return new ChildRun(p.exitValue(), wall, cpu, rss, last);
    }

    /** VmHWM (peak resident set) in KiB from a /proc status file, 0 when unreadable. */
    static long vmHwmKib(Path status) {
      try {
        for (String l : Files.readAllLines(status)) {
          if (l.startsWith("VmHWM:")) {
            return Long.parseLong(l.replaceAll("[^0-9]", ""));
          }
        }
      } catch (IOException | RuntimeException e) {
        // the process ended between two samples
      }
      return 0;
    }
  }
}
