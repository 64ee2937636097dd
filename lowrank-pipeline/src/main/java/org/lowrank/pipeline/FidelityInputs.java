package org.lowrank.pipeline;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.lowrank.analysis.InputShapes;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Model;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;
import org.lowrank.onnx.OnnxTensors;
import org.lowrank.train.data.Batch;
import org.lowrank.train.data.DataLoader;
import org.lowrank.train.data.Datasets;
import org.lowrank.train.data.ImageDataset;

/**
 * The inputs a {@link Fidelity} check runs on, as ONNX Runtime feeds in batches the model accepts
 * (its fixed batch, else up to {@value #BATCH}): labelled test images, the {@code
 * test_data_set_N/input_K.pb} files that ONNX model zoos ship next to a model, or seeded
 * standard-normal inputs.
 *
 * <p>Large inputs are compared on fewer samples, in smaller batches: at most {@value
 * #MAX_INPUT_ELEMENTS} input elements in all (256 CIFAR images, 13 images of 3x640x640) and at most
 * {@value #MAX_BATCH_ELEMENTS} per run (a free batch of 32 at 3x32x32, of 1 at 3x640x640), so the
 * check's time and memory, the watched layers' outputs included, stay bounded whatever the image
 * size.
 */
final class FidelityInputs {
  /** Batch of the feeds when the model's batch dimension is free. */
  static final int BATCH = 32;

  /** Input elements over all samples (64 MiB of floats). */
  static final long MAX_INPUT_ELEMENTS = 1L << 24;

  /** Input elements per run when the batch is free (8 MiB of floats). */
  static final long MAX_BATCH_ELEMENTS = 1L << 21;

  /** Feeds and what they are. */
  record Feeds(Fidelity.Inputs inputs, List<Map<String, TensorValue>> feeds) {}

  private final List<ValueInfo> inputs;
  private final InputShapes shapes;
  private final long seed;
  private final int batch;
  private final boolean fixedBatch;
  private final long perSample;

  /**
   * @param model the original model (its runtime inputs are fed)
   * @param shapes the model's resolved input shapes (fixed batch, given height and width)
   */
  FidelityInputs(Model model, InputShapes shapes, long seed) {
    this.inputs = model.graph().runtimeInputs();
    this.shapes = shapes;
    this.seed = seed;
    fixedBatch = shapes.fixedBatch().isPresent();
    int reference = shapes.batchOr(1);
    long elements = 0;
    for (long[] d : shapes.atBatch(reference).values()) {
      elements = Math.addExact(elements, TensorValue.elementCount(d));
    }
    perSample = Math.max(1, elements / reference);
    batch = shapes.batchOr((int) Math.max(1, Math.min(BATCH, MAX_BATCH_ELEMENTS / perSample)));
  }

  /**
   * How many of {@code requested} samples the check runs on: all of them while their inputs stay
   * within {@value #MAX_INPUT_ELEMENTS} elements, else as many as fit (at least one batch).
   */
  int samples(int requested) {
    long fit = Math.max(batch, MAX_INPUT_ELEMENTS / perSample);
    return (int) Math.min(requested, fit);
  }

  /**
   * Why there are fewer samples than {@code requested}, when {@link #samples} cut them; else "".
   */
  private String capNote(int requested) {
    return samples(requested) < requested
        ? "; "
            + requested
            + " asked, fewer because each sample has "
            + perSample
            + " input elements"
        : "";
  }

  /** Up to {@code n} test images chosen with the seed, normalized as the data says. */
  Feeds testImages(DataSource data, int n) throws IOException {
    requireSingleInput();
    List<Map<String, TensorValue>> feeds = new ArrayList<>();
    try (ImageDataset test = data.open("test", shapes.first())) {
      ImageDataset ds = Datasets.limit(test, Math.min(samples(n), test.size()), seed);
      DataLoader loader =
          DataLoader.builder(ds)
              .setBatchSize(batch)
              .optNormalization(data.normalization())
              .optDropLast(fixedBatch)
              .build();
      Iterator<Batch> it = loader.epoch(0);
      while (it.hasNext()) {
        Batch b = it.next();
        feeds.add(Map.of(inputs.get(0).name(), TensorValue.ofFloats(b.shape(), b.data())));
      }
      return new Feeds(
          new Fidelity.Inputs(
              Fidelity.Source.TEST_IMAGES, data.path().getFileName() + " test split" + capNote(n)),
          feeds);
    }
  }

  /** The {@code test_data_set_*} folders beside {@code modelFile}, if any hold every input. */
  Optional<Feeds> testDataSets(Path modelFile) throws IOException {
    Path dir = modelFile.toAbsolutePath().getParent();
    List<Path> sets = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "test_data_set_*")) {
      ds.forEach(
          p -> {
            if (Files.isDirectory(p)) {
              sets.add(p);
            }
          });
    }
    sets.sort(null);
    List<Map<String, TensorValue>> feeds = new ArrayList<>();
    for (Path set : sets) {
      Map<String, TensorValue> feed = new LinkedHashMap<>();
      for (int k = 0; k < inputs.size(); k++) {
        Path f = set.resolve("input_" + k + ".pb");
        if (!Files.isRegularFile(f)) {
          return Optional.empty();
        }
        feed.put(inputs.get(k).name(), OnnxTensors.read(f));
      }
      feeds.add(feed);
    }
    if (feeds.isEmpty()) {
      return Optional.empty();
    }
    String names =
        sets.size() == 1
            ? sets.get(0).getFileName().toString()
            : sets.size() + " folders " + sets.get(0).getFileName() + "..";
    return Optional.of(new Feeds(new Fidelity.Inputs(Fidelity.Source.TEST_DATA_SET, names), feeds));
  }

  /** About {@code n} seeded standard-normal samples (whole batches; fewer for large inputs). */
  Feeds random(int requested) {
    int n = samples(requested);
    Random rnd = new Random(seed);
    Map<String, long[]> at = shapes.atBatch(batch);
    List<Map<String, TensorValue>> feeds = new ArrayList<>();
    for (int done = 0; done < n; done += batch) {
      Map<String, TensorValue> feed = new LinkedHashMap<>();
      for (ValueInfo in : inputs) {
        if (in.elementType() != DataType.FLOAT) {
          throw new IllegalArgumentException(
              "input '"
                  + in.name()
                  + "' is "
                  + in.elementType()
                  + "; random fidelity inputs are made for float inputs only");
        }
        long[] dims = at.get(in.name());
        float[] v = new float[Math.toIntExact(TensorValue.elementCount(dims))];
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) rnd.nextGaussian();
        }
        feed.put(in.name(), TensorValue.ofFloats(dims, v));
      }
      feeds.add(feed);
    }
    return new Feeds(
        new Fidelity.Inputs(
            Fidelity.Source.RANDOM,
            "seed " + seed + ", " + feeds.size() * batch + " samples" + capNote(requested)),
        feeds);
  }

  private void requireSingleInput() {
    if (inputs.size() != 1) {
      throw new IllegalArgumentException(
          "labelled images feed one input; the model has " + inputs.size());
    }
  }
}
