package org.lowrank.pipeline.demo;

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
 * The trained demo model, trained on first use and cached as ONNX: {@link #trainedFashionCnn} looks
 * for {@value #FASHION_CNN_FILE} in the cache folder, checks it (readable ONNX, input {@value
 * DemoModels#INPUT} [N, 1, 28, 28], output {@value DemoModels#OUTPUT} [N, 10], the layers and
 * weight shapes of {@link DemoModels#fashionCnn}, finite weights) and otherwise trains {@link
 * DemoModels#fashionCnn}({@value #SEED}) on Fashion-MNIST with the default {@link DemoTrainer}
 * (a few minutes on 2 cores) and writes the file atomically, replacing an unusable one.
 */
public final class DemoAssets {
  private static final Logger LOG = LoggerFactory.getLogger(DemoAssets.class);

  /** File name of the cached demo model; the version changes with the architecture or recipe. */
  public static final String FASHION_CNN_FILE = "fashion-cnn-v1.onnx";
  /** Seed of the demo model's initialization and training. */
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

  /**
   * The trained demo model from {@code cacheDir}, training and caching it first when the file is
   * absent or unusable.
   *
   * @param cacheDir folder of the cached model (created if needed)
   * @param listener progress of the training ("train epoch i/n", "evaluate"), when it happens
   * @throws java.nio.file.NoSuchFileException when training is needed and Fashion-MNIST is not
   *     installed (the message names the Debian package)
   * @throws IOException when the cache folder cannot be written
   */
  public static DemoAsset trainedFashionCnn(Path cacheDir, ProgressListener listener)
      throws IOException {
    return trainedFashionCnn(cacheDir, FashionMnist.directory(),
        DemoTrainer.builder().optSeed(SEED).optListener(listener).build());
  }

  /** As {@link #trainedFashionCnn(Path, ProgressListener)} with the data folder and trainer given. */
  static DemoAsset trainedFashionCnn(Path cacheDir, Path dataDir, DemoTrainer trainer)
      throws IOException {
    Objects.requireNonNull(cacheDir, "cacheDir");
    Path file = cacheDir.resolve(FASHION_CNN_FILE);
    synchronized (LOCK) {
      if (Files.exists(file)) {
        try {
          Model cached = OnnxReader.read(file);
          checkFashionCnn(cached, file);
          LOG.info("demo model loaded from cache {}", file);
          return new DemoAsset(file, cached, null);
        } catch (IOException | RuntimeException e) {
          LOG.warn("cached demo model {} is unusable ({}); training a new one", file, e.getMessage());
        }
      }
      IdxDataset train = FashionMnist.train(dataDir);
      IdxDataset test = FashionMnist.test(dataDir);
      LOG.info("training the demo model (first use; cached afterwards in {})", file);
      DemoTrainingResult r = trainer.train(DemoModels.fashionCnn(SEED), train, test);
      Files.createDirectories(cacheDir);
      OnnxWriter.write(r.model(), file);
      LOG.info("demo model cached in {} (test top-1 {})", file, String.format("%.4f", r.testTop1()));
      return new DemoAsset(file, r.model(), r);
    }
  }

  /**
   * Checks that {@code m} has the interface, layers and weight shapes of {@link
   * DemoModels#fashionCnn} and finite weights.
   *
   * @throws IllegalArgumentException naming {@code source} and the first mismatch
   */
  static void checkFashionCnn(Model m, Path source) {
    Model ref = DemoModels.fashionCnn(SEED);
    checkValue(source, "input", m.graph().runtimeInputs(), ref.graph().runtimeInputs().get(0));
    checkValue(source, "output", m.graph().outputs(), ref.graph().outputs().get(0));
    if (m.graph().nodes().size() != ref.graph().nodes().size()) {
      throw mismatch(source, "layers", ref.graph().nodes().size() + " nodes",
          m.graph().nodes().size() + " nodes");
    }
    Iterator<Node> mine = m.graph().nodes().iterator();
    for (Node want : ref.graph().nodes()) {
      Node got = mine.next();
      if (!got.opType().equals(want.opType()) || !got.inputs().equals(want.inputs())) {
        throw mismatch(source, "node " + want.name(), want.toString(), got.toString());
      }
    }
    for (Map.Entry<String, TensorValue> e : ref.graph().initializers().entrySet()) {
      TensorValue got = m.graph().initializers().get(e.getKey());
      if (got == null || !Arrays.equals(got.dims(), e.getValue().dims())) {
        throw mismatch(source, "weight " + e.getKey(), Arrays.toString(e.getValue().dims()),
            got == null ? "absent" : Arrays.toString(got.dims()));
      }
      for (float v : got.toFloatArray()) {
        if (!Float.isFinite(v)) {
          throw mismatch(source, "weight " + e.getKey(), "finite values", Float.toString(v));
        }
      }
    }
  }

  private static void checkValue(Path source, String what, List<ValueInfo> got,
      ValueInfo want) {
    if (got.size() != 1 || !got.get(0).name().equals(want.name()) || !got.get(0).hasShape()) {
      throw mismatch(source, what, want.name() + " " + want.shape(), got.toString());
    }
    long[] g = got.get(0).dims();
    long[] w = want.dims();
    boolean ok = g.length == w.length;
    for (int i = 1; ok && i < w.length; i++) {
      ok = g[i] == w[i];
    }
    if (!ok) {
      throw mismatch(source, what, want.name() + " " + want.shape(),
          got.get(0).name() + " " + got.get(0).shape());
    }
  }

  private static IllegalArgumentException mismatch(Path source, String what, String expected,
      String found) {
    return new IllegalArgumentException(source + ": not the demo model: " + what + " expected "
        + expected + ", found " + found + "; delete the file to retrain");
  }
}
