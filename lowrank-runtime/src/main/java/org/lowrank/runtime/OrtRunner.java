package org.lowrank.runtime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.lowrank.analysis.InputShapes;
import org.lowrank.graph.DataType;
import org.lowrank.graph.Model;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;
import org.lowrank.onnx.OnnxWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ONNX Runtime session over one model, with explicit threads ({@link RuntimeOptions}). Inputs
 * and outputs are exchanged as {@link TensorValue}s (row-major, float32 for floating-point
 * tensors). Close it (try-with-resources): the session holds native memory.
 */
public final class OrtRunner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OrtRunner.class);

  private final OrtEnvironment env;
  private final OrtSession session;
  private final String source;
  private final RuntimeOptions options;
  private final List<ValueInfo> inputs;
  private final List<ValueInfo> outputs;

  private OrtRunner(OrtEnvironment env, OrtSession session, String source, RuntimeOptions options)
      throws OrtException {
    this.env = env;
    this.session = session;
    this.source = source;
    this.options = options;
    this.inputs = describe(session.getInputInfo());
    this.outputs = describe(session.getOutputInfo());
  }

  /**
   * Opens a session on a serialized ONNX model.
   *
   * @param modelBytes the ModelProto bytes (not modified)
   * @param sourceName a name for messages, e.g. the file or layer the model came from
   */
  public static OrtRunner open(byte[] modelBytes, String sourceName, RuntimeOptions options) {
    OrtEnvironment env = OrtNatives.environment();
    try (OrtSession.SessionOptions so = sessionOptions(options)) {
      OrtSession s = env.createSession(modelBytes, so);
      return new OrtRunner(env, s, sourceName, options);
    } catch (OrtException e) {
      throw new OrtRunException(
          "ONNX Runtime could not load model '"
              + sourceName
              + "' ("
              + modelBytes.length
              + " bytes): "
              + e.getMessage()
              + "; check that the model passes the ONNX checker for its opset",
          e);
    }
  }

  /** Opens a session on an in-memory model, serialized with {@link OnnxWriter}. */
  public static OrtRunner open(Model model, String sourceName, RuntimeOptions options) {
    return open(OnnxWriter.toBytes(model), sourceName, options);
  }

  /** Opens a session on an ONNX file. */
  public static OrtRunner open(Path modelFile, RuntimeOptions options) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(modelFile);
    } catch (IOException e) {
      throw new OrtRunException("cannot read model file " + modelFile + ": " + e.getMessage(), e);
    }
    return open(bytes, modelFile.toString(), options);
  }

  private static OrtSession.SessionOptions sessionOptions(RuntimeOptions options)
      throws OrtException {
    OrtSession.SessionOptions so = new OrtSession.SessionOptions();
    so.setIntraOpNumThreads(options.intraOpThreads());
    so.setInterOpNumThreads(options.interOpThreads());
    so.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
    so.addConfigEntry("session.intra_op.allow_spinning", "0");
    so.addConfigEntry("session.inter_op.allow_spinning", "0");
    so.setOptimizationLevel(
        switch (options.optimization()) {
          case NONE -> OrtSession.SessionOptions.OptLevel.NO_OPT;
          case BASIC -> OrtSession.SessionOptions.OptLevel.BASIC_OPT;
          case EXTENDED -> OrtSession.SessionOptions.OptLevel.EXTENDED_OPT;
          case ALL -> OrtSession.SessionOptions.OptLevel.ALL_OPT;
        });
    return so;
  }

  private static List<ValueInfo> describe(Map<String, NodeInfo> infos) {
    List<ValueInfo> out = new ArrayList<>();
    for (NodeInfo ni : infos.values()) {
      if (ni.getInfo() instanceof TensorInfo ti) {
        DataType type;
        try {
          // ORT's enum numbers differ from ONNX's: map by name.
          type = DataType.valueOf(ti.onnxType.name().replace("ONNX_TENSOR_ELEMENT_DATA_TYPE_", ""));
        } catch (IllegalArgumentException e) {
          type = DataType.UNDEFINED;
        }
        out.add(ValueInfo.of(ni.getName(), type, ti.getShape()));
      } else {
        out.add(new ValueInfo(ni.getName(), DataType.UNDEFINED, null));
      }
    }
    return Collections.unmodifiableList(out);
  }

  /** Name used in messages (file name or caller-given label). */
  public String source() {
    return source;
  }

  public RuntimeOptions options() {
    return options;
  }

  /** The inputs a caller must feed, in model order; unknown (symbolic) dimensions are -1. */
  public List<ValueInfo> inputs() {
    return inputs;
  }

  /** The model outputs, in model order; unknown dimensions are -1. */
  public List<ValueInfo> outputs() {
    return outputs;
  }

  /**
   * Runs the model once.
   *
   * @param feeds one tensor per input name (float, double or integral tensors; not modified)
   * @return every output by name, in model order
   */
  public Map<String, TensorValue> run(Map<String, TensorValue> feeds) {
    Map<String, OnnxTensor> tensors = toOrt(feeds);
    try (OrtSession.Result result = session.run(tensors)) {
      Map<String, TensorValue> out = new LinkedHashMap<>();
      for (Map.Entry<String, OnnxValue> e : result) {
        out.put(e.getKey(), fromOrt(e.getKey(), e.getValue()));
      }
      return Collections.unmodifiableMap(out);
    } catch (OrtException e) {
      throw new OrtRunException(
          "ONNX Runtime failed to run model '"
              + source
              + "' on inputs "
              + describeFeeds(feeds)
              + ": "
              + e.getMessage(),
          e);
    } finally {
      tensors.values().forEach(OnnxTensor::close);
    }
  }

  /** Runs a single-input model and returns its first output. */
  public TensorValue run(TensorValue input) {
    if (inputs.size() != 1) {
      throw new IllegalArgumentException(
          "model '"
              + source
              + "' has "
              + inputs.size()
              + " inputs "
              + inputNames()
              + "; use run(Map) to feed each by name");
    }
    return run(Map.of(inputs.get(0).name(), input)).get(outputs.get(0).name());
  }

  public List<String> inputNames() {
    return inputs.stream().map(ValueInfo::name).toList();
  }

  public List<String> outputNames() {
    return outputs.stream().map(ValueInfo::name).toList();
  }

  /**
   * This session's inputs resolved with the user's shapes ({@link InputShapes}: fixed batch, free
   * height/width given or refused).
   *
   * @param given shapes by input name, e.g. from {@code --input-shape} (may be empty)
   */
  public InputShapes inputShapes(Map<String, long[]> given) {
    return InputShapes.resolve(source, inputs, given);
  }

  /**
   * Seeded random inputs at concrete shapes: standard normal floats, one tensor per model input.
   *
   * @param shapes one concrete shape per input name, e.g. {@link InputShapes#atBatch}
   * @throws IllegalArgumentException when an input is missing, not FLOAT, or too large
   */
  public Map<String, TensorValue> randomInputs(Map<String, long[]> shapes, long seed) {
    Random rnd = new Random(seed);
    Map<String, TensorValue> out = new LinkedHashMap<>();
    for (ValueInfo in : inputs) {
      long[] dims = shapes.get(in.name());
      if (dims == null) {
        throw new IllegalArgumentException(
            "model '"
                + source
                + "' input '"
                + in.name()
                + "' has no shape among "
                + shapes.keySet()
                + "; give one per input");
      }
      if (in.elementType() != DataType.FLOAT) {
        throw new IllegalArgumentException(
            "model '"
                + source
                + "' input '"
                + in.name()
                + "' is "
                + in.elementType()
                + "; random inputs are generated for FLOAT inputs only, feed it explicitly");
      }
      long n = TensorValue.elementCount(dims);
      if (n > InputShapes.MAX_ELEMENTS) {
        throw new IllegalArgumentException(
            "model '"
                + source
                + "' input '"
                + in.name()
                + "' of shape "
                + Arrays.toString(dims)
                + " has "
                + n
                + " elements, more than one array holds ("
                + InputShapes.MAX_ELEMENTS
                + "); use a smaller batch or --input-shape");
      }
      float[] data = new float[(int) n];
      for (int i = 0; i < data.length; i++) {
        data[i] = (float) rnd.nextGaussian();
      }
      out.put(in.name(), TensorValue.ofFloats(dims.clone(), data));
    }
    return Collections.unmodifiableMap(out);
  }

  /**
   * Seeded random inputs for a model whose only free dimension per input is its batch (a single
   * layer cut out of a model, whose batch may sit on any axis): that dimension is set to {@code
   * batchSize}; a model with a fixed batch runs at that batch. A whole model with a free height or
   * width needs {@link #randomInputs(Map, long)} with shapes from {@link #inputShapes}.
   *
   * @throws IllegalArgumentException when an input has unknown rank, several free dimensions, or a
   *     non-float type
   */
  public Map<String, TensorValue> randomInputs(int batchSize, long seed) {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    for (ValueInfo in : inputs) {
      shapes.put(in.name(), batchShape(in, batchSize));
    }
    return randomInputs(shapes, seed);
  }

  private long[] batchShape(ValueInfo in, int batchSize) {
    long[] dims = in.dims();
    if (dims == null) {
      throw new IllegalArgumentException(
          "model '" + source + "' input '" + in.name() + "' has unknown rank; feed it explicitly");
    }
    int free = 0;
    for (int d = 0; d < dims.length; d++) {
      if (dims[d] < 0) {
        dims[d] = batchSize;
        free++;
      }
    }
    if (free > 1) {
      throw new IllegalArgumentException(
          "model '"
              + source
              + "' input '"
              + in.name()
              + "' has "
              + free
              + " free dimensions "
              + in.shape()
              + ", not just a batch; give its shape"
              + " (--input-shape) and use randomInputs(Map, long)");
    }
    return dims;
  }

  /**
   * Times {@code runs} executions after {@code warmupRuns} unmeasured ones, reusing the same native
   * input tensors.
   */
  RunTimes timeRuns(Map<String, TensorValue> feeds, int warmupRuns, int runs) {
    try (PreparedFeeds prepared = prepare(feeds)) {
      for (int i = 0; i < warmupRuns; i++) {
        prepared.runOnce();
      }
      RunTimes times = new RunTimes(runs);
      for (int i = 0; i < runs; i++) {
        times.record(i, prepared);
      }
      return times;
    }
  }

  /** Native input tensors kept alive across timed runs. */
  PreparedFeeds prepare(Map<String, TensorValue> feeds) {
    return new PreparedFeeds(toOrt(feeds));
  }

  /**
   * Wall-clock and calling-thread CPU nanoseconds of timed runs. With one intra-op thread ONNX
   * Runtime computes on the calling thread, so the CPU time is the run's own compute time,
   * unaffected by other processes competing for the cores.
   */
  static final class RunTimes {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    final long[] wallNanos;
    final long[] cpuNanos;

    RunTimes(int runs) {
      wallNanos = new long[runs];
      cpuNanos = new long[runs];
    }

    void record(int i, PreparedFeeds prepared) {
      boolean cpu = THREADS.isCurrentThreadCpuTimeSupported();
      long c0 = cpu ? THREADS.getCurrentThreadCpuTime() : 0;
      wallNanos[i] = prepared.runOnce();
      cpuNanos[i] = cpu ? THREADS.getCurrentThreadCpuTime() - c0 : -1;
    }
  }

  /** Input tensors converted once; {@link #runOnce()} returns the nanoseconds of one run. */
  final class PreparedFeeds implements AutoCloseable {
    private final Map<String, OnnxTensor> tensors;

    private PreparedFeeds(Map<String, OnnxTensor> tensors) {
      this.tensors = tensors;
    }

    long runOnce() {
      long t0 = System.nanoTime();
      try (OrtSession.Result r = session.run(tensors)) {
        long t1 = System.nanoTime();
        if (r.size() == 0) {
          throw new OrtRunException("model '" + source + "' produced no output");
        }
        return t1 - t0;
      } catch (OrtException e) {
        throw new OrtRunException(
            "ONNX Runtime failed to run model '" + source + "': " + e.getMessage(), e);
      }
    }

    @Override
    public void close() {
      tensors.values().forEach(OnnxTensor::close);
    }
  }

  private Map<String, OnnxTensor> toOrt(Map<String, TensorValue> feeds) {
    for (String name : feeds.keySet()) {
      if (!inputNames().contains(name)) {
        throw new IllegalArgumentException(
            "model '" + source + "' has no input '" + name + "'; its inputs are " + inputNames());
      }
    }
    Map<String, OnnxTensor> out = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, TensorValue> e : feeds.entrySet()) {
        TensorValue t = e.getValue();
        OnnxTensor ot;
        if (t.isFloatingPoint()) {
          ot = OnnxTensor.createTensor(env, FloatBuffer.wrap(t.toFloatArray()), t.dims());
        } else {
          ot = OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(t.toLongArray()), t.dims());
        }
        out.put(e.getKey(), ot);
      }
      return out;
    } catch (OrtException e) {
      out.values().forEach(OnnxTensor::close);
      throw new OrtRunException(
          "cannot create ONNX Runtime input tensors for model '" + source + "': " + e.getMessage(),
          e);
    }
  }

  private TensorValue fromOrt(String name, OnnxValue value) {
    if (!(value instanceof OnnxTensor t)) {
      throw new OrtRunException(
          "model '"
              + source
              + "' output '"
              + name
              + "' is a "
              + value.getType()
              + ", only tensor outputs are supported");
    }
    long[] shape = t.getInfo().getShape();
    switch (t.getInfo().type) {
      case FLOAT -> {
        FloatBuffer fb = t.getFloatBuffer();
        float[] data = new float[fb.remaining()];
        fb.get(data);
        return TensorValue.ofFloats(shape, data);
      }
      case DOUBLE -> {
        java.nio.DoubleBuffer db = t.getDoubleBuffer();
        float[] data = new float[db.remaining()];
        for (int i = 0; i < data.length; i++) {
          data[i] = (float) db.get(i);
        }
        return TensorValue.ofFloats(DataType.DOUBLE, shape, data);
      }
      case INT64 -> {
        java.nio.LongBuffer lb = t.getLongBuffer();
        long[] data = new long[lb.remaining()];
        lb.get(data);
        return TensorValue.ofLongs(shape, data);
      }
      case INT32 -> {
        java.nio.IntBuffer ib = t.getIntBuffer();
        long[] data = new long[ib.remaining()];
        for (int i = 0; i < data.length; i++) {
          data[i] = ib.get(i);
        }
        return TensorValue.ofLongs(DataType.INT32, shape, data);
      }
      default ->
          throw new OrtRunException(
              "model '"
                  + source
                  + "' output '"
                  + name
                  + "' has element type "
                  + t.getInfo().type
                  + "; supported: FLOAT, DOUBLE, INT64, INT32");
    }
  }

  private static String describeFeeds(Map<String, TensorValue> feeds) {
    StringBuilder sb = new StringBuilder("{");
    for (Map.Entry<String, TensorValue> e : feeds.entrySet()) {
      if (sb.length() > 1) {
        sb.append(", ");
      }
      sb.append(e.getKey())
          .append(": ")
          .append(e.getValue().dataType())
          .append(' ')
          .append(Arrays.toString(e.getValue().dims()));
    }
    return sb.append('}').toString();
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      LOG.warn("closing the ONNX Runtime session of '{}' failed: {}", source, e.getMessage());
    }
  }
}
