package org.lowrank.bench;

import static org.lowrank.bench.record.Cells.fixed;
import static org.lowrank.bench.record.Cells.pct;
import static org.lowrank.bench.record.Cells.str;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.lowrank.bench.record.CliRun;
import org.lowrank.bench.record.ResultLog;
import org.lowrank.bench.results.MarkdownTable;
import org.lowrank.demo.DemoAssets;
import org.lowrank.pipeline.CompressionPipeline;
import org.lowrank.progress.ProgressListener;
import org.lowrank.report.CompressionReport;
import org.lowrank.report.ReportJson;
import org.lowrank.util.Json;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./bench accuracy}: top-1 right after compression, before any fine-tuning (issue 17), with
 * the factors fitted to the weights alone ({@code --factorize weights}) or to the data ({@code
 * --factorize data}), on the same plan. Each row runs {@code lowrank plan} once per model, method
 * and budget (data-aware similarity search, cached in the work folder), then {@code lowrank
 * compress --plan} as a user would, and reads the report: top-1 of the original and of the
 * compressed model on the evaluation subset, the factorize stage's seconds and the process's peak
 * resident memory during the compress run (JVM included; Linux). Appends one JSON line per row to
 * {@code results/accuracy.jsonl} and renders the latest line per row into RESULTS.md between {@code
 * <!-- accuracy:begin -->} and {@code <!-- accuracy:end -->}.
 */
@Command(
    name = "accuracy",
    mixinStandardHelpOptions = true,
    description =
        "Top-1 right after compression (no fine-tuning), --factorize weights vs data, on the same "
            + "plan -> results/accuracy.jsonl and its RESULTS.md block.")
public final class AccuracyBench implements Callable<Integer> {
  static final String BLOCK = "accuracy";
  static final Path DATA = Path.of("results", "accuracy.jsonl");

  @Option(
      names = "--only",
      paramLabel = "TEXT",
      split = ",",
      description = "Run only the rows whose id contains one of these (comma-separated).")
  List<String> only = List.of();

  @Option(
      names = "--shared",
      paramLabel = "DIR",
      description = "Folder with models/ and cifar10/ (default: ${DEFAULT-VALUE}).")
  Path shared = Path.of("..", "shared", "data");

  @Option(
      names = "--work",
      paramLabel = "DIR",
      description = "Scratch folder for plans and models (default: the temp folder).")
  Path work = Path.of(System.getProperty("java.io.tmpdir"), "lowrank-accuracy");

  @Option(
      names = "--eval-limit",
      paramLabel = "N",
      description = "Test images to evaluate on (default: ${DEFAULT-VALUE}).")
  int evalLimit = 2000;

  @Option(names = "--list", description = "Print the row ids and exit.")
  boolean list;

  @Mixin RenderOptions page = new RenderOptions();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /**
   * One row: a model, a method and budget for {@code plan}, and the extra {@code compress} options
   * (the factorization mode, the calibration size).
   */
  record Row(String id, String model, Path file, List<String> plan, List<String> compress) {}

  static List<Row> rows(Path shared, Path fashion) {
    Map<String, Path> models = new LinkedHashMap<>();
    models.put("resnet20", shared.resolve("models/resnet20_cifar10/model.onnx"));
    models.put("resnet56", shared.resolve("models/resnet56_cifar10/model.onnx"));
    if (fashion != null) {
      models.put("fashion-cnn", fashion);
    }
    List<Row> rows = new ArrayList<>();
    for (Map.Entry<String, Path> m : models.entrySet()) {
      for (String budget : List.of("keep-params", "keep-flops")) {
        for (String method : List.of("tucker", "cp", "tt", "hybrid")) {
          for (String how : List.of("weights", "data")) {
            rows.add(
                new Row(
                    m.getKey() + "/" + method + "/" + budget + "-0.22/" + how,
                    m.getKey(),
                    m.getValue(),
                    List.of("--method", method, "--" + budget, "0.22"),
                    List.of("--factorize", how)));
          }
        }
      }
    }
    // a weight-only (energy) plan: the search is cheap, so the row also times the calibration pass
    for (String model : List.of("resnet20", "resnet56")) {
      for (String how : List.of("weights", "data")) {
        rows.add(
            new Row(
                model + "/tucker/keep-flops-0.22/energy-plan/" + how,
                model,
                models.get(model),
                List.of("--selector", "energy", "--method", "tucker", "--keep-flops", "0.22"),
                List.of("--factorize", how)));
      }
    }
    Path r20 = models.get("resnet20");
    // the data-aware fit, then label-free distillation (data-distill), randomly cropped and
    // flipped: on the fit images, on 2048 training images (the fit images first), 400 steps
    List<List<String>> distills =
        List.of(
            List.of(""),
            List.of("/images-2048", "--distill-images", "2048"),
            List.of("/steps-400", "--distill-steps", "400"));
    for (String plan :
        List.of("tucker keep-flops", "cp keep-params", "tt keep-params", "tucker keep-params")) {
      String[] p = plan.split(" ");
      for (List<String> v : distills) {
        List<String> compress =
            new ArrayList<>(List.of("--factorize", "data-distill", "--augment"));
        compress.addAll(v.subList(1, v.size()));
        rows.add(
            new Row(
                "resnet20/" + p[0] + "/" + p[1] + "-0.22/data-distill" + v.get(0),
                "resnet20",
                r20,
                List.of("--method", p[0], "--" + p[1], "0.22"),
                compress));
      }
    }
    rows.add(
        new Row(
            "resnet56/tucker/keep-flops-0.22/energy-plan/data-distill",
            "resnet56",
            models.get("resnet56"),
            List.of("--selector", "energy", "--method", "tucker", "--keep-flops", "0.22"),
            List.of("--factorize", "data-distill", "--augment")));
    for (int images : new int[] {64, 256, 1024}) {
      rows.add(
          new Row(
              "resnet20/tucker/keep-flops-0.22/data/fit-" + images,
              "resnet20",
              r20,
              List.of("--method", "tucker", "--keep-flops", "0.22"),
              List.of("--factorize", "data", "--fit-images", String.valueOf(images))));
    }
    return rows;
  }

  @Override
  public Integer call() throws Exception {
    var out = spec.commandLine().getOut();
    var err = spec.commandLine().getErr();
    ResultLog log = new ResultLog(DATA);
    boolean fashionWanted = only.isEmpty() || only.stream().anyMatch(o -> o.contains("fashion"));
    if (list || !page.renderOnly) {
      Path fashion =
          fashionWanted && !list
              ? DemoAssets.trainedFashionCnn(DemoAssets.defaultCacheDir(), ProgressListener.NONE)
                  .file()
              : Path.of("FASHION_CNN.onnx");
      for (Row row : rows(shared, fashion)) {
        if (!only.isEmpty() && only.stream().noneMatch(o -> row.id().contains(o))) {
          continue;
        }
        if (list) {
          out.println(row.id());
          continue;
        }
        err.println("== " + row.id());
        err.flush();
        Map<String, Object> line = measure(row);
        err.println(Json.write(line, 0));
        err.flush();
        log.append(line);
      }
      if (list) {
        out.flush();
        return 0;
      }
    }
    page.write(BLOCK, block(log.latest()));
    out.println("rendered " + page.results + " from " + DATA);
    out.flush();
    return 0;
  }

  /** Plans (once per model, method and budget), compresses, reads the report. */
  Map<String, Object> measure(Row row) throws IOException {
    Files.createDirectories(work);
    boolean cifar = !row.model().startsWith("fashion");
    List<String> data =
        cifar
            ? List.of(
                "--data",
                shared.resolve("cifar10/cifar10-jpeg.zip").toString(),
                "--normalize",
                "imagenet")
            : List.of("--data", org.lowrank.demo.FashionMnist.directory().toString());
    List<String> common = List.of("--rank-multiple", "1", "--threads", "1");
    String planKey = row.model() + "_" + String.join("_", row.plan()).replace("--", "");
    Path planFile = work.resolve(planKey + ".plan.json");
    List<String> planCmd =
        new ArrayList<>(List.of("plan", row.file().toString(), "-o", planFile.toString()));
    planCmd.addAll(row.plan());
    if (!row.plan().contains("energy")) {
      planCmd.addAll(data);
    }
    planCmd.addAll(common);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", row.id());
    Map<Path, String> labels =
        Map.of(
            planFile,
            "PLAN.json",
            shared,
            "$LOWRANK_DATA",
            row.file(),
            cifar ? row.file().toString() : "FASHION_CNN.onnx");
    m.put("plan_command", CliRun.scrub("./lowrank " + String.join(" ", planCmd), labels));
    if (!Files.exists(planFile)) {
      double cpu0 = cpuSeconds();
      CliRun p = CliRun.of(planCmd);
      m.put("plan_seconds", p.seconds());
      m.put("plan_cpu_seconds", cpuSeconds() - cpu0);
      if (p.exitCode() != 0) {
        m.put("plan_exit_code", p.exitCode());
        m.put("error", p.message());
        return m;
      }
    }
    Path outFile = work.resolve(row.id().replace('/', '_') + ".onnx");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "compress",
                row.file().toString(),
                "-o",
                outFile.toString(),
                "--plan",
                planFile.toString()));
    cmd.addAll(data);
    cmd.addAll(row.compress());
    cmd.addAll(
        List.of("--eval-limit", String.valueOf(evalLimit), "--no-latency", "--threads", "1"));
    resetPeakMemory();
    double cpu0 = cpuSeconds();
    CliRun run = CliRun.of(cmd);
    m.put("cpu_seconds", cpuSeconds() - cpu0);
    Map<Path, String> outLabels = new LinkedHashMap<>(labels);
    outLabels.put(outFile, "OUT.onnx");
    m.put("command", CliRun.scrub("./lowrank " + String.join(" ", cmd), outLabels));
    m.put("exit_code", run.exitCode());
    m.put("seconds", run.seconds());
    long peak = peakMemoryKib();
    if (peak > 0) {
      m.put("peak_rss_mib", peak / 1024);
    }
    Path written = Files.exists(outFile) ? outFile : CompressionPipeline.rejectedPath(outFile);
    Path reportFile = CompressionPipeline.sibling(written, ".report.json");
    if (!Files.exists(reportFile)) {
      m.put("error", run.message());
      return m;
    }
    CompressionReport r = ReportJson.read(Files.readString(reportFile), reportFile.toString());
    m.put("params_removed", r.paramsRemovedFraction());
    m.put("flops_removed", r.flopsRemovedFraction());
    m.put("factorized_layers", r.factorizedLayerCount());
    r.accuracyBefore().ifPresent(a -> m.put("top1_original", a.top1()));
    r.accuracyCompressed()
        .ifPresent(
            a -> {
              m.put("top1_compressed", a.top1());
              m.put("eval_images", a.samples());
            });
    Double factorize = r.timingsSeconds().get("factorize");
    if (factorize != null) {
      m.put("factorize_seconds", factorize);
    }
    Double distill = r.timingsSeconds().get("distill");
    if (distill != null) {
      m.put("distill_seconds", distill);
    }
    m.putAll(ResultLog.provenance());
    return m;
  }

  /** CPU seconds of this process so far (all threads), or NaN where the JVM cannot tell. */
  private static double cpuSeconds() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
            instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getProcessCpuTime() / 1e9
        : Double.NaN;
  }

  /** Resets the process's peak resident set (VmHWM) where Linux allows it; else nothing. */
  private static void resetPeakMemory() {
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
    } catch (IOException | RuntimeException e) {
      // not Linux or not allowed: the peak then covers the whole process
    }
  }

  /** VmHWM in KiB from /proc/self/status, or -1. */
  private static long peakMemoryKib() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (l.startsWith("VmHWM:")) {
          return Long.parseLong(l.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /** The accuracy block: one table row per id, then how to rerun a row. */
  static String block(Map<String, Map<String, Object>> latest) {
    MarkdownTable table =
        new MarkdownTable(
            "row",
            "exit",
            "params removed",
            "MACs removed",
            "top-1 original",
            "top-1 compressed (no fine-tuning)",
            "eval images",
            "factorize s",
            "peak RSS MiB",
            "git");
    for (Map<String, Object> m : latest.values()) {
      table.add(
          str(m.get("id")),
          str(m.get("exit_code")),
          pct(m.get("params_removed")),
          pct(m.get("flops_removed")),
          pct(m.get("top1_original")),
          m.containsKey("error") ? "error: " + str(m.get("error")) : pct(m.get("top1_compressed")),
          str(m.get("eval_images")),
          fixed(m.get("factorize_seconds"), 1),
          str(m.get("peak_rss_mib")),
          str(m.get("git")));
    }
    StringBuilder t =
        new StringBuilder(
            "## Accuracy before fine-tuning: data-aware factorization\n\n"
                + "Generated from `"
                + DATA
                + "` (measured by `./bench accuracy --only ID`). Each row: the plan made once per "
                + "model, method and budget by the data-aware similarity search (`energy-plan`: the "
                + "weight-only energy selector), then `compress --plan` "
                + "with `--factorize weights` (weight-only factors, last factor refitted) or `data` "
                + "(each layer fitted in graph order to its inputs in the compressed model). Top-1 on a "
                + "seeded subset of the test split (eval images), no fine-tuning. `fit-N`: N training images "
                + "for the data-aware fit (default 256). Peak RSS: the whole in-process compress run, JVM "
                + "included.\n\n");
    t.append(table.render());
    t.append(ResultsPage.rerunLine("accuracy", DATA));
    return t.toString();
  }
}
