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
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.lowrank.bench.record.CliRun;
import org.lowrank.bench.record.ResultLog;
import org.lowrank.bench.results.MarkdownTable;
import org.lowrank.demo.DemoAssets;
import org.lowrank.onnx.OnnxWriter;
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

  static List<Row> rows(Path shared, Path fashion, Path inception) {
    Map<String, Path> models = new LinkedHashMap<>();
    models.put("resnet20", shared.resolve("models/resnet20_cifar10/model.onnx"));
    models.put("resnet56", shared.resolve("models/resnet56_cifar10/model.onnx"));
    if (fashion != null) {
      models.put("fashion-cnn", fashion);
    }
    List<Row> rows = new ArrayList<>();
    for (Map.Entry<String, Path> m : models.entrySet()) {
      boolean energy = m.getKey().startsWith("fashion");
      for (String budget : List.of("keep-params", "keep-flops")) {
        for (String method : methods(m.getKey())) {
          for (String how : List.of("weights", "data")) {
            List<String> plan = new ArrayList<>(List.of("--method", method, "--" + budget, "0.22"));
            if (energy) {
              plan.addAll(0, List.of("--selector", "energy"));
            }
            rows.add(
                new Row(
                    m.getKey()
                        + "/"
                        + method.replace(',', '+')
                        + "/"
                        + budget
                        + "-0.22/"
                        + (energy ? "energy-plan/" : "")
                        + how,
                    m.getKey(),
                    m.getValue(),
                    List.copyOf(plan),
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
    // the 2-epoch fine-tune after the data-aware fit, same plan and training data; on the ResNets
    // over the first 10,000 training images (a full CIFAR-10 epoch is about an hour here)
    List<List<String>> tuned = new ArrayList<>();
    tuned.add(List.of("resnet20", "tucker", "keep-flops", "10000"));
    tuned.add(List.of("resnet20", "cp", "keep-params", "10000"));
    tuned.add(List.of("resnet56", "cp", "keep-params", "10000"));
    tuned.add(List.of("resnet20", "hybrid", "keep-flops", "10000"));
    tuned.add(List.of("resnet20", "tt", "keep-params", "10000"));
    tuned.add(List.of("resnet56", "hybrid", "keep-flops", "10000"));
    if (fashion != null) {
      tuned.add(List.of("fashion-cnn", "hybrid", "keep-params", "0"));
      tuned.add(List.of("fashion-cnn", "hybrid", "keep-flops", "0"));
    }
    for (List<String> t : tuned) {
      boolean energy = t.get(0).startsWith("fashion");
      List<String> plan = new ArrayList<>(List.of("--method", t.get(1), "--" + t.get(2), "0.22"));
      if (energy) {
        plan.addAll(0, List.of("--selector", "energy"));
      }
      rows.add(
          new Row(
              t.get(0)
                  + "/"
                  + t.get(1)
                  + "/"
                  + t.get(2)
                  + "-0.22/"
                  + (energy ? "energy-plan/" : "")
                  + "data/"
                  + FINE_TUNED,
              t.get(0),
              models.get(t.get(0)),
              List.copyOf(plan),
              List.of("--factorize", "data", "--finetune-epochs", "2", "--train-limit", t.get(3))));
    }
    // calibration cost: the data-aware pass on ResNet-56 and on an ImageNet-size (224x224) input
    rows.add(
        new Row(
            "resnet56/tucker/keep-flops-0.22/energy-plan/data/fit-64",
            "resnet56",
            models.get("resnet56"),
            List.of("--selector", "energy", "--method", "tucker", "--keep-flops", "0.22"),
            List.of("--factorize", "data", "--fit-images", "64")));
    // keep-flops 0.22 is out of reach there: the 1x1 convolutions are kept (22.5% at least)
    for (int images : new int[] {16, 64}) {
      rows.add(
          new Row(
              INCEPTION + "/tucker/keep-flops-0.3/energy-plan/data/fit-" + images,
              INCEPTION,
              inception,
              List.of("--selector", "energy", "--method", "tucker", "--keep-flops", "0.3"),
              // the cost of the data-aware fit is the point: no refit after it (over 40 min here),
              // and no top-1 (no labels for its 1000 classes)
              List.of(
                  "--factorize",
                  "data",
                  "--fit-images",
                  String.valueOf(images),
                  "--refit-images",
                  "0",
                  "--no-eval")));
    }
    return rows;
  }

  /** Id suffix of the rows fine-tuned for 2 epochs after factorizing. */
  static final String FINE_TUNED = "ft-2";

  /**
   * The InceptionV3-shaped model with seeded random weights at 224x224 ({@code ./bench inception-v3
   * --size 224}).
   */
  static final String INCEPTION = "inception-v3-random";

  /** The input height and width of the {@link #INCEPTION} rows. */
  static final int INCEPTION_SIZE = 224;

  /**
   * The methods measured on a model: the three convolution methods and the hybrid on the ResNets
   * (no dense layer but the classifier); on the Fashion-MNIST CNN, whose factorizable dense layer
   * holds 93% of the parameters, each convolution method paired with one dense method, so the six
   * methods appear once each. Its plans come from the energy selector: the similarity search scores
   * fc1 (3136 inputs) too slowly for this shared machine.
   */
  static List<String> methods(String model) {
    return model.startsWith("fashion")
        ? List.of("tucker,svd", "cp,qr", "tt,ttm", "hybrid")
        : List.of("tucker", "cp", "tt", "hybrid");
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
      Path inception = work.resolve(INCEPTION + "-" + INCEPTION_SIZE + ".onnx");
      for (Row row : rows(shared, fashion, inception)) {
        if (!only.isEmpty() && only.stream().noneMatch(o -> row.id().contains(o))) {
          continue;
        }
        if (list) {
          out.println(row.id());
          continue;
        }
        if (row.file().equals(inception) && !Files.exists(inception)) {
          Files.createDirectories(work);
          OnnxWriter.write(InceptionV3Onnx.build(1, INCEPTION_SIZE), inception);
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
            : List.of(
                "--data",
                org.lowrank.demo.FashionMnist.directory().toString(),
                "--normalize",
                "0.2860/0.3530");
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
        Map.of(planFile, "PLAN.json", shared, "$LOWRANK_DATA", row.file(), modelLabel(row));
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
    cmd.addAll(compressOptions(row, evalLimit));
    cmd.addAll(List.of("--no-latency", "--threads", "1"));
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
    r.accuracyFinetuned().ifPresent(a -> m.put("top1_finetuned", a.top1()));
    if (!row.compress().contains("weights")) {
      m.put("fit_images", fitImages(row));
    }
    Double factorize = r.timingsSeconds().get("factorize");
    if (factorize != null) {
      m.put("factorize_seconds", factorize);
    }
    Double distill = r.timingsSeconds().get("distill");
    if (distill != null) {
      m.put("distill_seconds", distill);
    }
    Double tune = r.timingsSeconds().get("fine-tune");
    if (tune != null) {
      m.put("finetune_seconds", tune);
    }
    m.putAll(ResultLog.provenance());
    return m;
  }

  /**
   * The row's {@code compress} options, then {@code --eval-limit evalLimit} unless the row sets its
   * own limit or skips evaluation ({@code --no-eval}).
   */
  static List<String> compressOptions(Row row, int evalLimit) {
    List<String> out = new ArrayList<>(row.compress());
    if (!out.contains("--eval-limit") && !out.contains("--no-eval")) {
      out.addAll(List.of("--eval-limit", String.valueOf(evalLimit)));
    }
    return out;
  }

  /** How a row's model file appears in its recorded commands. */
  private static String modelLabel(Row row) {
    if (row.model().startsWith("fashion")) {
      return "FASHION_CNN.onnx";
    }
    return row.model().equals(INCEPTION)
        ? "INCEPTION_V3_" + INCEPTION_SIZE + ".onnx"
        : row.file().toString();
  }

  /** The recorded row's fit images: its {@code fit_images}, else those of its command. */
  static int fitImages(Map<String, Object> m) {
    if (m.get("fit_images") instanceof Number n) {
      return n.intValue();
    }
    java.util.regex.Matcher f =
        java.util.regex.Pattern.compile("--fit-images (\\d+)").matcher(str(m.get("command")));
    return f.find() ? Integer.parseInt(f.group(1)) : CompressionPipeline.DEFAULT_REFIT_IMAGES;
  }

  /** Table order of the models: the ResNets, the Fashion-MNIST CNN, then the others. */
  private static int modelOrder(String model) {
    int i = List.of("resnet20", "resnet56", "fashion-cnn").indexOf(model);
    return i >= 0 ? i : 3;
  }

  /** Table order of the methods: as {@link #methods}, then the others. */
  private static int methodOrder(String method) {
    List<String> all = List.of("tucker", "cp", "tt", "tucker+svd", "cp+qr", "tt+ttm", "hybrid");
    int i = all.indexOf(method);
    return i >= 0 ? i : all.size();
  }

  /** The row's {@code --fit-images}, else the default. */
  static int fitImages(Row row) {
    int i = row.compress().indexOf("--fit-images");
    return i >= 0
        ? Integer.parseInt(row.compress().get(i + 1))
        : CompressionPipeline.DEFAULT_REFIT_IMAGES;
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

  /**
   * The accuracy block, a pivot: one table row per model, method, budget and plan, the factor fit
   * ({@code weights}, {@code data}, {@code data} then a 2-epoch fine-tune) in columns; then one
   * line per fit-image curve ({@code fit-N} rows: top-1, factorize seconds, peak RSS) and one per
   * failed row.
   */
  static String block(Map<String, Map<String, Object>> latest) {
    return blockOf(latest);
  }

  /** The fit of {@code --factorize data-distill}, as an id part. */
  static final String DISTILLED = "data-distill";

  /**
   * The data-distill variants of one plan, e.g. "76.50% (256 img, 697 s); 76.95% (images-2048, 458
   * s)".
   */
  private static String distilled(Map<String, Map<String, Object>> variants) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, Map<String, Object>> v : variants.entrySet()) {
      if (!v.getKey().startsWith(DISTILLED)) {
        continue;
      }
      String name =
          v.getKey().equals(DISTILLED) ? "default" : v.getKey().substring(DISTILLED.length() + 1);
      out.add(
          pct(v.getValue().get("top1_compressed"))
              + " ("
              + name
              + ", "
              + fixed(v.getValue().get("distill_seconds"), 0)
              + " s)");
    }
    return String.join("; ", out);
  }

  private static String blockOf(Map<String, Map<String, Object>> latest) {
    Map<String, Map<String, Map<String, Object>>> pivot = new LinkedHashMap<>();
    Map<String, Map<String, Map<String, Object>>> curves = new LinkedHashMap<>();
    List<String> errors = new ArrayList<>();
    for (Map<String, Object> m : latest.values()) {
      String id = str(m.get("id"));
      String[] parts = id.split("/");
      int how = List.of(parts).indexOf("data");
      how = how >= 0 ? how : List.of(parts).indexOf("weights");
      how = how >= 0 ? how : List.of(parts).indexOf(DISTILLED);
      if (how < 1) {
        continue;
      }
      String group = String.join("/", List.of(parts).subList(0, how));
      String variant = String.join("/", List.of(parts).subList(how, parts.length));
      if (m.containsKey("error")) {
        errors.add("`" + id + "` (exit " + str(m.get("exit_code")) + "): " + str(m.get("error")));
      }
      if (variant.startsWith("data/fit-")) {
        curves.computeIfAbsent(group, g -> new LinkedHashMap<>()).put(variant, m);
      } else {
        pivot.computeIfAbsent(group, g -> new LinkedHashMap<>()).put(variant, m);
      }
    }
    MarkdownTable table =
        new MarkdownTable(
            "model",
            "method",
            "budget",
            "plan",
            "params removed",
            "MACs removed",
            "top-1 original",
            "weights",
            "data",
            "data + 2 ep",
            "data-distill (variant, distill s)",
            "fit images",
            "factorize s (w / d)",
            "peak RSS MiB (d)");
    List<String> order = new ArrayList<>(pivot.keySet());
    order.sort(
        java.util.Comparator.comparing((String k) -> modelOrder(k.split("/")[0]))
            .thenComparing(k -> k.split("/").length)
            .thenComparing(k -> k.split("/")[2])
            .thenComparing(k -> methodOrder(k.split("/")[1])));
    for (String key : order) {
      Map.Entry<String, Map<String, Map<String, Object>>> e = Map.entry(key, pivot.get(key));
      String[] g = e.getKey().split("/");
      Map<String, Object> w = e.getValue().getOrDefault("weights", Map.of());
      Map<String, Object> d = e.getValue().getOrDefault("data", Map.of());
      Map<String, Object> t = e.getValue().getOrDefault("data/" + FINE_TUNED, Map.of());
      Map<String, Object> any = !d.isEmpty() ? d : !w.isEmpty() ? w : t;
      table.add(
          g[0],
          g.length > 1 ? g[1] : "",
          g.length > 2 ? g[2].replace("-0.", " 0.") : "",
          g.length > 3 ? g[3].replace("-plan", "") : "similarity",
          pct(any.get("params_removed")),
          pct(any.get("flops_removed")),
          pct(any.get("top1_original")),
          pct(w.get("top1_compressed")),
          pct(d.get("top1_compressed")),
          pct(t.get("top1_finetuned")),
          distilled(e.getValue()),
          d.isEmpty() ? "" : String.valueOf(fitImages(d)),
          fixed(w.get("factorize_seconds"), 1) + " / " + fixed(d.get("factorize_seconds"), 1),
          str(d.get("peak_rss_mib")));
    }
    StringBuilder t =
        new StringBuilder(
            "## Accuracy before fine-tuning: data-aware factorization\n\n"
                + "Generated from `"
                + DATA
                + "` (measured by `./bench accuracy --only ID`, ID = model/method/budget[/plan]/"
                + "weights|data[/fit-N|/"
                + FINE_TUNED
                + "]). Each row: one plan per model, method and budget (similarity: the data-aware "
                + "similarity search; energy: the weight-only energy selector), then `compress --plan` "
                + "with `--factorize weights` (weight-only factors, last factor refitted) or `data` "
                + "(each layer fitted in graph order to its inputs in the compressed model, on the fit "
                + "images). Top-1 on a seeded subset of the test split (2000 images), no fine-tuning, "
                + "except `data + 2 ep`: the data-aware model fine-tuned 2 epochs on the training split "
                + "(`--finetune-epochs 2`; ResNet-20: over the first 10,000 training images, "
                + "`--train-limit 10000`). `data-distill`: `--factorize data-distill --augment`, "
                + "the data fit then 200 label-free Adam steps (batch 64) matching the original's "
                + "logits and factorized layer outputs on the fit images (`images-2048`: on 2048 "
                + "training images; `steps-400`: 400 steps), about a quarter of a CIFAR-10 epoch: a "
                + "short distillation, not a pure factorization. "
                + "Fashion methods: conv + dense method (`tucker+svd`). "
                + "Factorize s: the factorize stage (input moments + fit). Peak RSS: the whole "
                + "in-process compress run, JVM included.\n\n");
    t.append(table.render());
    if (!curves.isEmpty()) {
      t.append(
          "\nFit images N (top-1 with `--factorize data --fit-images N` / factorize s / peak RSS"
              + " MiB); `"
              + INCEPTION
              + "`: `./bench inception-v3 --size "
              + INCEPTION_SIZE
              + "` (seeded random weights, CIFAR-10 JPEGs resized by the loader, `--refit-images 0"
              + " --no-eval`: no labels for its 1000 classes, the cost is the point):\n");
      for (Map.Entry<String, Map<String, Map<String, Object>>> e : curves.entrySet()) {
        Map<Integer, Map<String, Object>> byImages = new TreeMap<>();
        Map<String, Object> plain = pivot.getOrDefault(e.getKey(), Map.of()).get("data");
        if (plain != null) {
          byImages.put(CompressionPipeline.DEFAULT_REFIT_IMAGES, plain);
        }
        for (Map.Entry<String, Map<String, Object>> v : e.getValue().entrySet()) {
          byImages.put(Integer.parseInt(v.getKey().substring("data/fit-".length())), v.getValue());
        }
        StringBuilder line = new StringBuilder("- `" + e.getKey() + "`:");
        String sep = " ";
        for (Map.Entry<Integer, Map<String, Object>> v : byImages.entrySet()) {
          Map<String, Object> m = v.getValue();
          line.append(sep)
              .append(v.getKey())
              .append(": ")
              .append(
                  str(m.get("command")).contains("--no-eval")
                      ? "no labels"
                      : pct(m.get("top1_compressed")))
              .append(" / ")
              .append(fixed(m.get("factorize_seconds"), 1))
              .append(" / ")
              .append(str(m.get("peak_rss_mib")));
          sep = "; ";
        }
        t.append(line).append('\n');
      }
    }
    for (String e : errors) {
      t.append("\nFailed: ").append(e).append('\n');
    }
    t.append(ResultsPage.rerunLine("accuracy", DATA));
    return t.toString();
  }
}
