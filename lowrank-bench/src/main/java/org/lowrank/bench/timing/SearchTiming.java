package org.lowrank.bench.timing;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.lowrank.analysis.LayerProfile;
import org.lowrank.analysis.ModelProfile;
import org.lowrank.cost.Cost;
import org.lowrank.cost.Method;
import org.lowrank.graph.Model;
import org.lowrank.graph.TensorValue;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.plan.Budget;
import org.lowrank.train.search.DataFreeRankSearch;
import org.lowrank.train.search.DataFreeSearchConfig;
import org.lowrank.train.search.LayerRankResult;
import org.lowrank.train.search.RankSearchResult;
import org.lowrank.train.search.SearchLayer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Measures the data-free search on real models: every 3x3 conv (groups 1, at least 512 weights, as
 * the default layer selection) searched with TT and with CP under a global parameter budget. Prints
 * one table per model and method (a measurement tool, not library code). Usage:
 *
 * <pre>
 *   ./bench search-timing \
 *       [--threads 2] [--keep 0.22 (0 = no budget)] [--mode allocator|proportional]
 *       [--methods tt,cp] [model.onnx ...]
 * </pre>
 *
 * Without models it runs ResNet-20 and ResNet-56 from the shared data directory (system property or
 * environment variable {@code LOWRANK_SHARED_DATA}, else {@code ../shared/data} relative to the
 * working directory, i.e. the repository root). Threads apply to both PyTorch and OpenBLAS; set
 * them before anything else loads the engine.
 */
@Command(
    name = "search-timing",
    mixinStandardHelpOptions = true,
    description = "Time the data-free TT/CP rank searches on ResNet-20/56 (or the models given).")
public final class SearchTiming implements Callable<Integer> {
  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "PyTorch and OpenBLAS threads (default ${DEFAULT-VALUE}).")
  int threads = 2;

  @Option(
      names = "--keep",
      paramLabel = "F",
      description = "Fraction of the parameters to keep, 0 = no budget (default ${DEFAULT-VALUE}).")
  double keep = 0.22;

  @Option(
      names = "--mode",
      paramLabel = "MODE",
      description = "Budget mode: allocator or proportional (default ${DEFAULT-VALUE}).")
  String modeName = "allocator";

  @Option(
      names = "--methods",
      split = ",",
      paramLabel = "METHOD",
      description = "Methods searched (default ${DEFAULT-VALUE}).")
  List<String> methodNames = List.of("tt", "cp");

  @Parameters(paramLabel = "MODEL.onnx", description = "Models (default: ResNet-20 and -56).")
  List<Path> models = new ArrayList<>();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private PrintWriter out;

  @Override
  public Integer call() throws Exception {
    out = spec.commandLine().getOut();
    DataFreeSearchConfig.BudgetMode mode;
    try {
      mode = DataFreeSearchConfig.BudgetMode.valueOf(modeName.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--mode: expected allocator or proportional, found '" + modeName + "'");
    }
    List<Method> methods = methodNames.stream().map(Method::parse).toList();
    List<Path> models = new ArrayList<>(this.models);
    if (models.isEmpty()) {
      Path data = sharedData();
      models.add(data.resolve("models/resnet20_cifar10/model.onnx"));
      models.add(data.resolve("models/resnet56_cifar10/model.onnx"));
    }
    System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    System.setProperty("ai.djl.offline", "true");
    LinearAlgebra la = LinearAlgebra.openBlas(threads);
    out.printf(
        Locale.ROOT,
        "data-free rank search, keep %.2f of params (0 = no budget), "
            + "budget mode %s, %d threads%n",
        keep,
        mode,
        threads);
    for (Path file : models) {
      Model model = OnnxReader.read(file);
      ModelProfile profile = ModelProfile.of(model);
      for (Method method : methods) {
        List<SearchLayer> layers = selectLayers(model, profile, method);
        DataFreeSearchConfig config =
            DataFreeSearchConfig.builder()
                .optBudget(keep > 0 ? Budget.keepParams(keep) : Budget.none())
                .optBudgetMode(mode)
                .optModelCost(new Cost(profile.totalParams(), profile.totalMacs()))
                .optLinearAlgebra(la)
                .build();
        long cpu0 = processCpuMillis();
        RankSearchResult r = new DataFreeRankSearch(config).search(layers);
        print(file, method, profile, layers, r, processCpuMillis() - cpu0);
        out.flush();
      }
    }
    return 0;
  }

  /** 3x3 convs, groups 1, that the profile marks factorizable by {@code method}. */
  static List<SearchLayer> selectLayers(Model model, ModelProfile profile, Method method) {
    List<SearchLayer> out = new ArrayList<>();
    for (LayerProfile l : profile.layers()) {
      long[] w = l.weightShape();
      boolean conv3x3 = l.isConv() && l.groups() == 1 && w.length == 4 && w[2] == 3 && w[3] == 3;
      if (!conv3x3 || !l.methods().contains(method)) {
        continue;
      }
      TensorValue weight =
          model
              .graph()
              .initializer(l.weightName())
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "layer "
                              + l.name()
                              + ": weight "
                              + l.weightName()
                              + " is not an initializer"));
      out.add(new SearchLayer(l.name(), l.geometry(), weight, method));
    }
    return out;
  }

  private void print(
      Path file,
      Method method,
      ModelProfile profile,
      List<SearchLayer> layers,
      RankSearchResult r,
      long cpuMillis) {
    Cost saved = r.layersBefore().minus(r.layersAfter());
    double keptParams = 1 - (double) saved.params() / profile.totalParams();
    double keptMacs = 1 - (double) saved.macs() / profile.totalMacs();
    out.printf(
        Locale.ROOT,
        "%n%s, %s: %d layers, search wall %.1f s (process CPU %.1f s), "
            + "model params kept %.3f, MACs kept %.3f, seed %d%n",
        file.getParent().getFileName(),
        method.cliName(),
        r.layers().size(),
        r.elapsedMillis() / 1000.0,
        cpuMillis / 1000.0,
        keptParams,
        keptMacs,
        r.seed());
    for (RankSearchResult.StageSummary s : r.stages()) {
      out.printf(
          Locale.ROOT,
          "  stage step %d: %d branches, %d groups, %.1f s, E %.4f%n",
          s.step(),
          s.branches(),
          s.groups(),
          s.millis() / 1000.0,
          s.finalError());
    }
    out.printf(
        "  %-30s %-9s %5s %9s %6s %7s %7s%n",
        "layer", "cout,cin", "max", "preferred", "chosen", "params", "score");
    for (int i = 0; i < layers.size(); i++) {
      LayerRankResult l = r.layers().get(i);
      SearchLayer s = layers.get(i);
      double kept =
          (double) l.chosenCandidate().cost().params()
              / org.lowrank.cost.CostModel.original(s.geometry()).params();
      out.printf(
          Locale.ROOT,
          "  %-30s %-9s %5d %9d %6d %7.3f %7.4f%n",
          l.layer(),
          s.geometry().cout() + "," + s.geometry().cin(),
          l.feasibleMax(),
          l.preferredRank(),
          l.rank(),
          kept,
          l.chosenCandidate().score());
    }
  }

  private static long processCpuMillis() {
    java.lang.management.OperatingSystemMXBean os =
        java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean b
        ? b.getProcessCpuTime() / 1_000_000
        : -1;
  }

  private static Path sharedData() {
    String p = System.getProperty("LOWRANK_SHARED_DATA", System.getenv("LOWRANK_SHARED_DATA"));
    Path data = p != null ? Path.of(p) : Path.of("..", "shared", "data");
    if (!Files.isDirectory(data)) {
      throw new IllegalArgumentException(
          "shared data not found at "
              + data.toAbsolutePath()
              + ": set LOWRANK_SHARED_DATA or pass model files");
    }
    return data;
  }
}
