package org.lowrank.bench.results;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lowrank.bench.results.Experiment.Kind;
import org.lowrank.cost.Method;
import org.lowrank.plan.Budget;

/**
 * The experiments of issues 5 and 7 as a list of {@link Experiment} rows, built from the options:
 *
 * <ol>
 *   <li>ResNet-20/56 on CIFAR-10 JPEG: Tucker-2, CP, TT, hybrid x {datafree, similarity} at a
 *       params budget, fine-tuned, with ONNX Runtime latency; plus a reference row per model (the
 *       original fine-tuned with the same schedule).
 *   <li>VGG-style CNN on Fashion-MNIST: SVD, QR, TT-matrix, hybrid on the dense layers; Tucker-2,
 *       CP, TT, hybrid on the convolutions.
 *   <li>Issue 5's table: ResNet-20, every method x every selector, top-1 before fine-tuning.
 *   <li>Decomposition speed and training throughput.
 *   <li>Issue 5's search-time goals, planning only.
 * </ol>
 *
 * The core rows come first (the reference and Tucker-2 rows of experiment 1 on ResNet-20, the
 * budgeted hybrid rows of experiment 2, experiments 3 and 4, two goals of experiment 5), then,
 * unless --quick, the others: an interrupted run has the most informative rows.
 */
public final class Experiments {
  private Experiments() {}

  /** Params budget of experiments 1, 3 and 5: ~22% kept, as in issue 5 (RENE removes 77.62%). */
  static final double KEEP_PARAMS = 0.22;

  /** Methods of experiments 1 and 3 and their row names. */
  static final Map<String, List<Method>> CONV_METHODS =
      methods(
          "tucker", List.of(Method.TUCKER2),
          "cp", List.of(Method.CP),
          "tt", List.of(Method.TT),
          "hybrid", List.of(Method.TUCKER2, Method.CP, Method.TT));

  /** Methods of experiment 2's dense rows. */
  static final Map<String, List<Method>> FC_METHODS =
      methods(
          "svd", List.of(Method.SVD),
          "qr", List.of(Method.QR),
          "ttm", List.of(Method.TTM),
          "hybrid", List.of(Method.SVD, Method.QR, Method.TTM));

  /** Selectors of experiment 1 (the two methods of MISSION.md). */
  static final List<String> E1_SELECTORS = List.of("datafree", "similarity");

  /** Selectors of experiment 3: the baselines, then the two methods. */
  static final List<String> E3_SELECTORS =
      List.of("vbmf", "energy", "ratio", "similarity", "datafree");

  /**
   * Experiment 5's rows: model, method, selector; the goal is {@link Published#DATAFREE_SEARCH_R56}
   * for the data-free row, {@link Published#DSE_SEARCH} for the similarity ones.
   */
  static final List<List<String>> E5_ROWS =
      List.of(
          List.of("resnet56", "tt", "datafree"),
          List.of("resnet20", "hybrid", "similarity"),
          List.of("resnet56", "hybrid", "similarity"));

  /**
   * Every row the options select, core rows first (see the class comment); {@code --only ROW}
   * naming a row exactly selects that row alone, otherwise every row whose id contains the text.
   */
  public static List<Experiment> of(ResultsOptions o) {
    List<Experiment> all = all(o);
    List<Experiment> out = new ArrayList<>();
    if (o.only != null && all.stream().anyMatch(e -> e.row().equals(o.only))) {
      // a rerun command names its row exactly: that row alone, not the rows it is a prefix of
      return all.stream()
          .filter(e -> e.row().equals(o.only) && o.experiments.contains(e.number()))
          .toList();
    }
    for (boolean core : o.quick || o.only != null ? List.of(true) : List.of(true, false)) {
      for (Experiment e : all) {
        boolean picked =
            o.only != null
                ? e.id().contains(o.only) || e.row().contains(o.only)
                : core(e.row()) == core;
        if (picked && o.experiments.contains(e.number())) {
          out.add(e);
        }
      }
    }
    return out;
  }

  /** True for the rows of the first phase (see the class comment). */
  static boolean core(String row) {
    return row.startsWith("e1/")
        ? row.startsWith("e1/resnet20/") && (row.contains("/tucker/") || row.endsWith("/reference"))
        : row.startsWith("e2/")
            ? row.contains("/hybrid") && !row.endsWith("/threshold")
            : !row.startsWith("e5/") || !row.equals("e5/resnet56/hybrid/similarity");
  }

  /** Every row of every experiment under these options, unfiltered by --experiments and --only. */
  static List<Experiment> all(ResultsOptions o) {
    Map<String, Object> settings = settings(o);
    List<Experiment> all = new ArrayList<>();
    Budget e1Budget =
        o.keepFlops == null ? Budget.keepParams(KEEP_PARAMS) : Budget.keepFlops(o.keepFlops);
    String e1Suffix =
        (o.keepFlops == null ? "" : "/keep-flops-" + o.keepFlops)
            + (o.pruneLatency == null ? "" : "/pruned-" + o.pruneLatency);
    for (String model : o.models) {
      all.add(
          row(
              o,
              settings,
              "e1/" + model + "/reference",
              1,
              Kind.REFERENCE,
              model,
              "",
              "",
              "",
              Budget.none()));
      for (String selector : E1_SELECTORS) {
        for (String method : CONV_METHODS.keySet()) {
          if (o.allows(method, selector)) {
            String row = "e1/" + model + "/" + method + "/" + selector + e1Suffix;
            all.add(
                row(o, settings, row, 1, Kind.FINE_TUNED, model, method, selector, "", e1Budget));
          }
        }
      }
    }
    for (String layers : List.of("fc", "conv")) {
      for (String method : (layers.equals("conv") ? CONV_METHODS : FC_METHODS).keySet()) {
        String row = "e2/vgg/" + layers + "/" + method;
        all.add(row(o, settings, row, 2, Kind.FASHION, "vgg", method, "similarity", layers, null));
        if (method.equals("hybrid")) {
          all.add(
              row(
                  o,
                  settings,
                  row + "/threshold",
                  2,
                  Kind.FASHION,
                  "vgg",
                  method,
                  "similarity",
                  layers,
                  Budget.none()));
        }
      }
    }
    for (String method : CONV_METHODS.keySet()) {
      for (String selector : E3_SELECTORS) {
        if (o.allows(method, selector)) {
          all.add(
              row(
                  o,
                  settings,
                  "e3/resnet20/" + method + "/" + selector,
                  3,
                  Kind.BEFORE_FINE_TUNING,
                  "resnet20",
                  method,
                  selector,
                  "",
                  Budget.keepParams(KEEP_PARAMS)));
        }
      }
    }
    all.add(row(o, settings, "e4/decompositions", 4, Kind.DECOMPOSITIONS, "", "", "", "", null));
    all.add(
        row(
            o,
            settings,
            "e4/throughput/resnet20 (original)",
            4,
            Kind.THROUGHPUT,
            "resnet20",
            "",
            "",
            "",
            null));
    for (List<String> g : E5_ROWS) {
      all.add(
          row(
              o,
              settings,
              "e5/" + String.join("/", g),
              5,
              Kind.PLAN_ONLY,
              g.get(0),
              g.get(1),
              g.get(2),
              "",
              Budget.keepParams(KEEP_PARAMS)));
    }
    return all;
  }

  private static Experiment row(
      ResultsOptions o,
      Map<String, Object> settings,
      String row,
      int number,
      Kind kind,
      String model,
      String method,
      String selector,
      String layers,
      Budget budget) {
    String id = o.given.isEmpty() ? row : row + " " + String.join(" ", o.given);
    return new Experiment(
        id,
        row,
        number,
        kind,
        model,
        method,
        selector,
        layers,
        budget,
        settings,
        rerun(o, number, row));
  }

  /** The command that reruns one row: the options as typed, then its experiment and id. */
  static String rerun(ResultsOptions o, int number, String row) {
    List<String> args = new ArrayList<>(List.of("./bench", "results"));
    args.addAll(o.typed);
    args.addAll(List.of("--experiments", Integer.toString(number), "--only", quoted(row)));
    return String.join(" ", args);
  }

  private static String quoted(String s) {
    return s.matches("[\\w./=-]+") ? s : "'" + s + "'";
  }

  /**
   * The settings a row ran with, as its JSON line records them (the keys shared with the rows
   * migrated from the earlier Markdown keep their wording, so RESULTS.md states them once).
   */
  static Map<String, Object> settings(ResultsOptions o) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    s.put("seed", o.seed + " (every selector, factorization, subset and fine-tuning step)");
    s.put(
        "CIFAR-10 evaluation",
        o.evalImages() == 0
            ? "all 10000 test images"
            : o.evalImages() + " of 10000 test images (seeded subset, same for every row)");
    s.put("calibration (similarity selector)", o.calibration() + " training images");
    s.put("mode", o.quick ? "quick (small subsets, a few steps)" : "full");
    s.put("epochs", o.epochs);
    s.put("learning rate", o.learningRate());
    s.put(
        "CIFAR-10 fine-tuning images",
        o.cifarTrainLimit() == 0 ? "all 50000" : o.cifarTrainLimit());
    s.put("Fashion-MNIST fine-tuning images", o.fashionTrainLimit());
    s.put("PyTorch threads", o.threads);
    s.put("ONNX Runtime threads", o.ortThreads);
    s.put("refit images", o.refit);
    s.put("latency pruning", o.pruneLatency == null ? "off" : o.pruneLatency);
    s.put("max heap MiB", Runtime.getRuntime().maxMemory() / (1 << 20));
    return s;
  }

  private static Map<String, List<Method>> methods(Object... kv) {
    Map<String, List<Method>> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      @SuppressWarnings("unchecked")
      List<Method> v = (List<Method>) kv[i + 1];
      m.put((String) kv[i], v);
    }
    return java.util.Collections.unmodifiableMap(m);
  }
}
