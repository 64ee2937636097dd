package org.lowrank.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.progress.ProgressListener;
import org.lowrank.train.data.IdxDataset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trained demo models, trained on first use and cached as ONNX: {@link #trained} looks for the
 * model's {@link DemoModel#fileName()} in the cache folder, checks it (readable ONNX, input {@value
 * DemoModels#INPUT} [N, 1, 28, 28], output {@value DemoModels#OUTPUT} [N, 10], the layers and
 * weight shapes of the architecture, finite weights) and otherwise trains the architecture from
 * seed {@value #SEED} on Fashion-MNIST with {@link DemoTrainer} (a few minutes on 2 cores) and
 * writes the file atomically, replacing an unusable one.
 */
public final class DemoAssets {
  private static final Logger LOG = LoggerFactory.getLogger(DemoAssets.class);

  /** Seed of the cached models' initialization and training. */
  public static final long SEED = 0;

  /** Environment variable naming the cache folder. */
  public static final String CACHE_ENV = "LOWRANK_CACHE";

  private static final Object LOCK = new Object();

  private DemoAssets() {}

  /**
   * The cache folder: {@code $LOWRANK_CACHE}, else {@code $XDG_CACHE_HOME/lowrank}, else {@code
   * ~/.cache/lowrank}.
   */
  public static Path defaultCacheDir() {
    String env = System.getenv(CACHE_ENV);
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    if (xdg != null && !xdg.isBlank()) {
      return Path.of(xdg, "lowrank");
    }
    return Path.of(System.getProperty("user.home"), ".cache", "lowrank");
  }

  /** The trained demo model ({@link DemoModel#FASHION_CNN}); see {@link #trained}. */
  public static DemoAsset trainedFashionCnn(Path cacheDir, ProgressListener listener)
      throws IOException {
    return trained(DemoModel.FASHION_CNN, cacheDir, listener);
  }

  /**
   * The trained {@code which} from {@code cacheDir}, training and caching it first when the file is
   * absent or unusable.
   *
   * @param cacheDir folder of the cached model (created if needed), e.g. {@link #defaultCacheDir()}
   * @param listener progress of the training ("train epoch i/n", "evaluate"), when it happens
   * @throws java.nio.file.NoSuchFileException when training is needed and Fashion-MNIST is not
   *     installed (the message names the Debian package)
   * @throws IOException when the cache folder cannot be written
   */
  public static DemoAsset trained(DemoModel which, Path cacheDir, ProgressListener listener)
      throws IOException {
    return trained(
        which,
        cacheDir,
        FashionMnist.directory(),
        DemoTrainer.builder()
            .optSeed(SEED)
            .optEpochs(which.epochs())
            .optListener(listener)
            .build());
  }

  /**
   * As {@link #trained(DemoModel, Path, ProgressListener)} with the data folder and trainer given.
   */
  static DemoAsset trained(DemoModel which, Path cacheDir, Path dataDir, DemoTrainer trainer)
      throws IOException {
    Objects.requireNonNull(cacheDir, "cacheDir");
    Path file = cacheDir.resolve(which.fileName());
    synchronized (LOCK) {
      if (Files.exists(file)) {
        try {
          Model cached = OnnxReader.read(file);
          check(which, cached, file);
          LOG.info("{} loaded from cache {}", which, file);
          return new DemoAsset(file, cached, null);
        } catch (IOException | RuntimeException e) {
          LOG.warn("cached model {} is unusable ({}); training a new one", file, e.getMessage());
        }
      }
      IdxDataset train = FashionMnist.train(dataDir);
      IdxDataset test = FashionMnist.test(dataDir);
      requireWritable(cacheDir);
      LOG.info("training {} (first use; cached afterwards in {})", which, file);
      DemoTrainingResult r = trainer.train(which.build(SEED), train, test);
      try {
        OnnxWriter.write(r.model(), file);
      } catch (IOException e) {
        throw new IOException(
            "cannot write the trained model to "
                + file
                + " ("
                + e
                + "); set $"
                + CACHE_ENV
                + " to a writable folder",
            e);
      }
      LOG.info("{} cached in {} (test top-1 {})", which, file, String.format("%.4f", r.testTop1()));
      return new DemoAsset(file, r.model(), r);
    }
  }

  /** Creates {@code dir} and checks it is writable before minutes of training are spent. */
  private static void requireWritable(Path dir) throws IOException {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IOException(
          "cannot create the model cache folder "
              + dir
              + " ("
              + e
              + "); set $"
              + CACHE_ENV
              + " to a writable folder",
          e);
    }
    if (!Files.isWritable(dir)) {
      throw new IOException(
          "the model cache folder "
              + dir
              + " is not writable; set $"
              + CACHE_ENV
              + " to a writable folder");
    }
  }

  /**
   * Checks that {@code m} has the interface, layers and weight shapes of {@code which} and finite
   * weights.
   *
   * @throws IllegalArgumentException naming {@code source} and the first mismatch
   */
  static void check(DemoModel which, Model m, Path source) {
    Model ref = which.build(SEED);
    String label = source + ": not the " + ref.graph().name() + " model";
    checkValue(label, "input", m.graph().runtimeInputs(), ref.graph().runtimeInputs().get(0));
    checkValue(label, "output", m.graph().outputs(), ref.graph().outputs().get(0));
    if (m.graph().nodes().size() != ref.graph().nodes().size()) {
      throw mismatch(
          label,
          "layers",
          ref.graph().nodes().size() + " nodes",
          m.graph().nodes().size() + " nodes");
    }
    Iterator<Node> mine = m.graph().nodes().iterator();
    for (Node want : ref.graph().nodes()) {
      Node got = mine.next();
      if (!got.opType().equals(want.opType()) || !got.inputs().equals(want.inputs())) {
        throw mismatch(label, "node " + want.name(), want.toString(), got.toString());
      }
    }
    for (Map.Entry<String, TensorValue> e : ref.graph().initializers().entrySet()) {
      TensorValue got = m.graph().initializers().get(e.getKey());
      if (got == null || !Arrays.equals(got.dims(), e.getValue().dims())) {
        throw mismatch(
            label,
            "weight " + e.getKey(),
            Arrays.toString(e.getValue().dims()),
            got == null ? "absent" : Arrays.toString(got.dims()));
      }
      for (float v : got.toFloatArray()) {
        if (!Float.isFinite(v)) {
          throw mismatch(label, "weight " + e.getKey(), "finite values", Float.toString(v));
        }
      }
    }
  }

  private static void checkValue(String label, String what, List<ValueInfo> got, ValueInfo want) {
    if (got.size() != 1 || !got.get(0).name().equals(want.name()) || !got.get(0).hasShape()) {
      throw mismatch(label, what, want.name() + " " + want.shape(), got.toString());
    }
    long[] g = got.get(0).dims();
    long[] w = want.dims();
    boolean ok = g.length == w.length;
    for (int i = 1; ok && i < w.length; i++) {
      ok = g[i] == w[i];
    }
    if (!ok) {
      throw mismatch(
          label,
          what,
          want.name() + " " + want.shape(),
          got.get(0).name() + " " + got.get(0).shape());
    }
  }

  private static IllegalArgumentException mismatch(
      String label, String what, String expected, String found) {
    return new IllegalArgumentException(
        label
            + ": "
            + what
            + " expected "
            + expected
            + ", found "
            + found
            + "; delete the file to retrain");
  }
}
