package org.lowrank.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import org.lowrank.decomp.ConvKernels;
import org.lowrank.decomp.ConvTensorTrainSvd;
import org.lowrank.decomp.CpAls;
import org.lowrank.decomp.FactorizedTensor;
import org.lowrank.decomp.PivotedQr;
import org.lowrank.decomp.TruncatedSvd;
import org.lowrank.decomp.TtMatrixSvd;
import org.lowrank.decomp.Tucker;
import org.lowrank.decomp.Tucker2;
import org.lowrank.graph.Model;
import org.lowrank.graph.TensorValue;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.tensor.DenseTensor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * How fast and how accurate is each decomposition on CNN-sized weights? For every case (a conv
 * kernel [Cout, Cin, k, k] or a dense weight [M, N]) and rank r in 8/16/32/64/128 it runs the
 * applicable methods {@code --repeats} times and prints case, method, ranks, parameters,
 * compression, median wall-clock and CPU milliseconds and relative error ||W - W^||_F / ||W||_F.
 * Ranks infeasible for a case are skipped. CPU time is the calling thread's: with --threads 1
 * OpenBLAS computes on that thread, so it measures the work even on a busy shared machine where
 * wall time is inflated.
 *
 * <p>Conv methods: tucker2-hosvd, tucker2-hooi (ranks r, r), cp3 (CP-ALS on the [Cout, k*k, Cin]
 * view, SVD init, tol 1e-8, 100 sweeps, the TensorLy parafac defaults), cp4 (CP-ALS on the 4-way
 * kernel, only with --methods), tt3 (3-core TT-SVD, tied rank r). Dense methods: svd (Gram route),
 * svd-gesdd (LAPACK dgesdd baseline), qr (pivoted), ttm (TT-matrix, d = 3, max rank r).
 *
 * <p>Inputs: seeded Gaussian weights (default), {@code --cases} entries that are paths to a {@link
 * WeightFile} header, or every conv weight of an ONNX model ({@code --model}). Run: {@code ./bench
 * decompositions [--threads 1] [--repeats 3] [--quick]}.
 */
@Command(
    name = "decompositions",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Time SVD, QR, CP-ALS, Tucker-2, TT and TT-matrix on conv/dense weights.")
public final class DecompositionBenchmark implements Callable<Integer> {
  static final String DEFAULT_CASES =
      "64x64x3x3,128x128x3x3,256x256x3x3,512x512x3x3,256x128x3x3,4096x512";
  static final String QUICK_CASES = "64x64x3x3,256x128x3x3,1024x256";
  static final String DEFAULT_METHODS = "tucker2-hosvd,tucker2-hooi,cp3,tt3,svd,svd-gesdd,qr,ttm";

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  record Case(String name, DenseTensor weight) {}

  /** One table row. */
  public record Row(
      String caseName,
      String method,
      String ranks,
      long parameters,
      double compression,
      double medianMillis,
      double medianCpuMillis,
      double relativeError) {}

  private record Method(
      String name,
      boolean conv,
      BiFunction<DenseTensor, Integer, FactorizedTensor> run,
      BiFunction<DenseTensor, Integer, DenseTensor> reference) {}

  /** The options; {@link #resolve} fills what --quick changes. */
  static final class Options {
    @Option(
        names = "--threads",
        paramLabel = "N",
        description = "BLAS threads (default ${DEFAULT-VALUE}).")
    int threads = 1;

    @Option(
        names = "--repeats",
        paramLabel = "N",
        description = "Timed runs per (case, method, rank); the median is printed (default 3).")
    Integer repeats;

    @Option(
        names = "--seed",
        paramLabel = "S",
        description = "Seed of the generated weights (default ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(
        names = "--cp-iterations",
        paramLabel = "N",
        description = "CP-ALS sweeps (default ${DEFAULT-VALUE}; tolerance 1e-8).")
    int cpIterations = 100;

    @Option(
        names = "--cases",
        paramLabel = "LIST",
        description =
            "Comma-separated shapes (64x64x3x3, 4096x512: seeded Gaussian, He-scaled) or paths to"
                + " NAME.json weight headers {\"shape\":[..],\"dtype\":\"float32\"} with NAME.bin beside"
                + " it (row-major little-endian float32) (default "
                + DEFAULT_CASES
                + ").")
    String cases;

    @Option(
        names = "--ranks",
        split = ",",
        paramLabel = "R",
        description = "Ranks r (default 8,16,32,64,128; infeasible ones are skipped).")
    int[] ranks;

    @Option(
        names = "--methods",
        split = ",",
        paramLabel = "METHOD",
        description =
            "Of tucker2-hosvd, tucker2-hooi, cp3, cp4, tt3, svd, svd-gesdd, qr, ttm (default "
                + DEFAULT_METHODS
                + ").")
    Set<String> methods = new LinkedHashSet<>(Arrays.asList(DEFAULT_METHODS.split(",")));

    @Option(
        names = "--model",
        paramLabel = "FILE.onnx",
        description = "Add every k x k conv weight (>= 512 weights) of an ONNX model as a case.")
    Path model;

    @Option(
        names = "--write-cases",
        paramLabel = "DIR",
        description = "Also write the cases in the weight format (for other tools).")
    Path writeCases;

    @Option(names = "--csv", paramLabel = "FILE", description = "Also write the table as CSV.")
    Path csv;

    @Option(
        names = "--quick",
        description = "Cases " + QUICK_CASES + ", ranks 8,32, 1 repeat (unless given).")
    boolean quick;

    /** Fills the defaults that --quick changes and checks the counts; returns this. */
    Options resolve() {
      if (cases == null) {
        cases = quick ? QUICK_CASES : DEFAULT_CASES;
      }
      if (ranks == null) {
        ranks = quick ? new int[] {8, 32} : new int[] {8, 16, 32, 64, 128};
      }
      if (repeats == null) {
        repeats = quick ? 1 : 3;
      }
      positive("--threads", threads);
      positive("--repeats", repeats);
      positive("--cp-iterations", cpIterations);
      for (int r : ranks) {
        positive("--ranks", r);
      }
      return this;
    }
  }

  @Mixin Options options = new Options();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    Options o;
    try {
      o = options.resolve();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<Row> rows = rows(o, out, err);
    if (o.csv != null) {
      writeCsv(o.csv, rows);
    }
    return 0;
  }

  /**
   * The rows of {@code --quick} with {@code threads} BLAS threads (cases {@value #QUICK_CASES},
   * ranks 8 and 32, one repeat), the table printed to {@code out} as they come.
   */
  public static List<Row> quickRows(int threads, PrintWriter out, PrintWriter err)
      throws IOException {
    Options o = new Options();
    o.quick = true;
    o.threads = threads;
    return rows(o.resolve(), out, err);
  }

  private static List<Row> rows(Options o, PrintWriter out, PrintWriter err) throws IOException {
    LinearAlgebra la = LinearAlgebra.openBlas(o.threads);
    long t0 = System.nanoTime();
    la.svd(DenseTensor.random(0, 64, 64).toArray(), 64, 64);
    err.printf(
        Locale.ROOT,
        "first native call (OpenBLAS load + 64x64 SVD): %.1f ms; BLAS threads: %d%n",
        (System.nanoTime() - t0) / 1e6,
        la.threads());

    List<Case> cases = loadCases(o);
    if (o.writeCases != null) {
      Files.createDirectories(o.writeCases);
      for (Case c : cases) {
        WeightFile.write(o.writeCases.resolve(c.name() + ".json"), c.weight());
      }
      err.println("wrote " + cases.size() + " cases to " + o.writeCases);
    }
    List<Method> methods = methods(la, o);
    warmUp(methods);

    List<Row> rows = new ArrayList<>();
    out.println(header());
    for (Case c : cases) {
      boolean conv = c.weight().order() >= 3;
      for (Method m : methods) {
        if (m.conv() != conv) {
          continue;
        }
        DenseTensor reference = m.reference().apply(c.weight(), 0);
        for (int r : o.ranks) {
          Row row = measure(c, m, r, reference, o.repeats);
          if (row != null) {
            rows.add(row);
            out.println(format(row));
            out.flush();
          }
        }
      }
    }
    return rows;
  }

  private static void writeCsv(Path csv, List<Row> rows) throws IOException {
    StringBuilder sb =
        new StringBuilder(
            "case,method,ranks,parameters,compression,median_ms,median_cpu_ms,relative_error\n");
    for (Row r : rows) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%s,%s,%s,%d,%.3f,%.3f,%.3f,%.6g%n",
              r.caseName(),
              r.method(),
              r.ranks(),
              r.parameters(),
              r.compression(),
              r.medianMillis(),
              r.medianCpuMillis(),
              r.relativeError()));
    }
    Files.writeString(csv, sb.toString());
  }

  private static Row measure(Case c, Method m, int r, DenseTensor reference, int repeats) {
    double[] ms = new double[repeats];
    double[] cpu = new double[repeats];
    FactorizedTensor f = null;
    for (int i = 0; i < repeats; i++) {
      long t = System.nanoTime();
      long c0 = THREADS.getCurrentThreadCpuTime();
      try {
        f = m.run().apply(c.weight(), r);
      } catch (IllegalArgumentException infeasible) {
        return null;
      }
      cpu[i] = (THREADS.getCurrentThreadCpuTime() - c0) / 1e6;
      ms[i] = (System.nanoTime() - t) / 1e6;
    }
    return new Row(
        c.name(),
        m.name(),
        Arrays.toString(f.ranks()).replace(" ", ""),
        f.parameterCount(),
        f.compressionRatio(),
        median(ms),
        median(cpu),
        f.relativeError(reference));
  }

  private static double median(double[] x) {
    double[] s = x.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  /** One untimed pass of every method on small inputs, so JIT compilation is not timed. */
  private static void warmUp(List<Method> methods) {
    DenseTensor conv = DenseTensor.random(99, 32, 32, 3, 3);
    DenseTensor dense = DenseTensor.random(99, 256, 64);
    for (Method m : methods) {
      for (int i = 0; i < 3; i++) {
        m.run().apply(m.conv() ? conv : dense, 8);
      }
    }
  }

  private static List<Method> methods(LinearAlgebra la, Options o) {
    TruncatedSvd svd = TruncatedSvd.builder().optLinearAlgebra(la).build();
    TruncatedSvd gesdd =
        TruncatedSvd.builder()
            .optLinearAlgebra(la)
            .optAlgorithm(TruncatedSvd.Algorithm.DIVIDE_AND_CONQUER)
            .build();
    PivotedQr qr = PivotedQr.create(la);
    TtMatrixSvd ttm = TtMatrixSvd.builder().optLinearAlgebra(la).optOrder(3).build();
    Tucker2 hosvd = Tucker2.create(Tucker.Method.HOSVD, la);
    Tucker2 hooi = Tucker2.create(Tucker.Method.HOOI, la);
    CpAls cp =
        CpAls.builder()
            .optLinearAlgebra(la)
            .optInit(CpAls.Init.SVD)
            .optTolerance(1e-8)
            .optMaxIterations(o.cpIterations)
            .build();
    ConvTensorTrainSvd tt = ConvTensorTrainSvd.create(la, false);
    BiFunction<DenseTensor, Integer, DenseTensor> same = (w, r) -> w;
    Map<String, Method> all =
        Map.of(
            "tucker2-hosvd",
                new Method("tucker2-hosvd", true, (w, r) -> hosvd.factorize(w, r, r), same),
            "tucker2-hooi",
                new Method("tucker2-hooi", true, (w, r) -> hooi.factorize(w, r, r), same),
            "cp3",
                new Method(
                    "cp3",
                    true,
                    (w, r) -> cp.factorize(ConvKernels.threeWay(w), r),
                    (w, r) -> ConvKernels.threeWay(w)),
            "cp4", new Method("cp4", true, (w, r) -> cp.factorize(w, r), same),
            "tt3", new Method("tt3", true, (w, r) -> tt.factorize(w, r), same),
            "svd", new Method("svd", false, (w, r) -> svd.factorize(w, r), same),
            "svd-gesdd", new Method("svd-gesdd", false, (w, r) -> gesdd.factorize(w, r), same),
            "qr", new Method("qr", false, (w, r) -> qr.factorize(w, r), same),
            "ttm", new Method("ttm", false, (w, r) -> ttm.factorizeMaxRank(w, r), same));
    List<Method> chosen = new ArrayList<>();
    for (String name : o.methods) {
      Method m = all.get(name);
      if (m == null) {
        throw new IllegalArgumentException("unknown method '" + name + "', known: " + all.keySet());
      }
      chosen.add(m);
    }
    return chosen;
  }

  private static List<Case> loadCases(Options o) throws IOException {
    List<Case> cases = new ArrayList<>();
    if (o.model != null) {
      Model model = OnnxReader.read(o.model);
      for (Map.Entry<String, TensorValue> e : model.graph().initializers().entrySet()) {
        TensorValue t = e.getValue();
        if (t.isFloatingPoint()
            && t.rank() == 4
            && t.dim(2) * t.dim(3) > 1
            && t.elementCount() >= 512) {
          int[] shape = Arrays.stream(t.dims()).mapToInt(Math::toIntExact).toArray();
          cases.add(new Case(e.getKey(), DenseTensor.fromFloats(t.toFloatArray(), shape)));
        }
      }
      if (!o.cases.equals(DEFAULT_CASES) || cases.isEmpty()) {
        cases.addAll(parseCases(o.cases, o.seed));
      }
      return cases;
    }
    return parseCases(o.cases, o.seed);
  }

  private static List<Case> parseCases(String spec, long seed) throws IOException {
    List<Case> cases = new ArrayList<>();
    for (String item : spec.split(",")) {
      String s = item.trim();
      if (s.isEmpty()) {
        continue;
      }
      if (s.endsWith(".json")) {
        Path p = Path.of(s);
        cases.add(new Case(p.getFileName().toString().replace(".json", ""), WeightFile.read(p)));
        continue;
      }
      int[] shape;
      try {
        shape = Arrays.stream(s.split("x")).mapToInt(Integer::parseInt).toArray();
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "case '" + s + "' is neither a shape like 64x64x3x3 nor a .json weight header");
      }
      // Gaussian with He scaling (std sqrt(2 / fan_in)); the scale does not affect relative errors.
      int fanIn = shape.length >= 3 ? DenseTensor.sizeOf(shape) / shape[0] : shape[1];
      cases.add(
          new Case(
              s, DenseTensor.random(seed + cases.size(), shape).scale(Math.sqrt(2.0 / fanIn))));
    }
    return cases;
  }

  private static void positive(String option, int n) {
    if (n < 1) {
      throw new IllegalArgumentException(option + ": expected a positive integer, found " + n);
    }
  }

  static String header() {
    return String.format(
        Locale.ROOT,
        "%-16s %-14s %-10s %12s %8s %11s %11s %10s",
        "case",
        "method",
        "ranks",
        "params",
        "ratio",
        "median_ms",
        "cpu_ms",
        "rel_err");
  }

  static String format(Row r) {
    return String.format(
        Locale.ROOT,
        "%-16s %-14s %-10s %12d %8.2f %11.1f %11.1f %10.4f",
        r.caseName(),
        r.method(),
        r.ranks(),
        r.parameters(),
        r.compression(),
        r.medianMillis(),
        r.medianCpuMillis(),
        r.relativeError());
  }
}
