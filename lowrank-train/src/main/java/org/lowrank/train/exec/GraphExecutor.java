package org.lowrank.train.exec;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.lowrank.graph.Graph;
import org.lowrank.graph.Model;
import org.lowrank.graph.Node;
import org.lowrank.graph.TensorValue;
import org.lowrank.graph.ValueInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trainable execution of an IR {@link Model} on DJL's PyTorch engine. The graph is interpreted node
 * by node with engine ops, so autograd sees the whole computation.
 *
 * <p>Initializers are split into three kinds: <b>trainable parameters</b> (float weights and biases
 * of Conv, ConvTranspose, Gemm and MatMul, Add/Sub operands that act as a bias of those, and the
 * scale and bias of BatchNormalization), <b>state</b> (BatchNormalization running mean and
 * variance, updated by forward passes in training mode) and <b>constants</b> (all others, plus the
 * outputs of Constant nodes). Parameters are DJL {@link Parameter}s, reachable through {@link
 * #parameters()} and the DJL {@link #block()}.
 *
 * <p>Memory: arrays of a forward pass belong to the {@link NDManager} the caller passes in; use one
 * sub-manager per batch and close it afterwards. Parameters and state belong to this executor and
 * are freed by {@link #close()}. Not thread-safe.
 *
 * <p>Unsupported ops fail at construction with {@link UnsupportedOpException}.
 */
public final class GraphExecutor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GraphExecutor.class);
  private static final Set<String> WEIGHT_OPS = Set.of("Conv", "ConvTranspose", "Gemm", "MatMul");

  private record Step(Node node, Kernel kernel) {}

  private final Model model;
  private final NDManager manager;
  private final List<Step> program = new ArrayList<>();
  private final Map<String, Parameter> parameters = new LinkedHashMap<>();
  private final Map<String, NDArray> constants = new HashMap<>();
  private final Map<String, NDArray> state = new LinkedHashMap<>();
  private final Set<String> knownTensors = new HashSet<>();
  private final List<ValueInfo> inputs;
  private final List<String> outputNames = new ArrayList<>();
  private final GraphBlock block;

  private GraphExecutor(Builder b) {
    this.model = b.model;
    Graph g = model.graph();
    long opset = model.opset() < 0 ? 13 : model.opset();
    // compile first: an unsupported op fails before any native memory is taken
    List<Step> steps = new ArrayList<>();
    Map<String, TensorValue> folded = new LinkedHashMap<>();
    for (Node n : g.nodes()) {
      if (n.opType().equals("Constant") && n.domain().isEmpty()) {
        folded.put(n.output(0), ShapeKernels.constantValue(n));
        continue;
      }
      steps.add(new Step(n, Kernels.compile(n, opset)));
    }
    program.addAll(steps);
    this.inputs = g.runtimeInputs();
    for (ValueInfo v : g.outputs()) {
      outputNames.add(v.name());
    }
    Map<String, String> roles = initializerRoles(g);
    this.manager =
        b.parentManager != null
            ? b.parentManager.newSubManager()
            : NDManager.newBaseManager(
                b.device != null ? b.device : DeviceChoice.configuredDevice(), "PyTorch");
    manager.setName("lowrank-executor");
    try {
      for (Map.Entry<String, TensorValue> e : g.initializers().entrySet()) {
        String name = e.getKey();
        TensorValue t = e.getValue();
        String role = roles.get(name);
        NDArray arr = Tensors.toNDArray(manager, t);
        if (t.isFloatingPoint() && "param".equals(role) && b.trainable.test(name)) {
          arr.setRequiresGradient(true);
          Parameter p =
              Parameter.builder().setName(name).setType(Parameter.Type.OTHER).optArray(arr).build();
          parameters.put(name, p);
        } else if (t.isFloatingPoint() && "state".equals(role)) {
          state.put(name, arr);
        } else {
          constants.put(name, arr);
        }
      }
      for (Map.Entry<String, TensorValue> e : folded.entrySet()) {
        constants.put(e.getKey(), Tensors.toNDArray(manager, e.getValue()));
      }
    } catch (RuntimeException ex) {
      manager.close();
      throw ex;
    }
    knownTensors.addAll(g.initializers().keySet());
    knownTensors.addAll(folded.keySet());
    for (ValueInfo v : g.inputs()) {
      knownTensors.add(v.name());
    }
    for (Node n : g.nodes()) {
      knownTensors.addAll(n.outputs());
    }
    knownTensors.remove("");
    this.block = new GraphBlock(this);
    LOG.debug(
        "executor for graph '{}': {} nodes, {} parameters, {} state tensors, {} constants",
        g.name(),
        program.size(),
        parameters.size(),
        state.size(),
        constants.size());
  }

  /** Classifies float initializers by how they are consumed: "param", "state" or absent. */
  private static Map<String, String> initializerRoles(Graph g) {
    Map<String, String> roles = new HashMap<>();
    Map<String, Node> producers = g.producers();
    Set<String> inits = g.initializers().keySet();
    for (Node n : g.nodes()) {
      String op = n.opType();
      List<String> in = n.inputs();
      if (WEIGHT_OPS.contains(op)) {
        for (int i = 0; i < in.size(); i++) {
          if (op.equals("Conv") || op.equals("ConvTranspose") || op.equals("Gemm")) {
            if (i >= 1) {
              roles.putIfAbsent(in.get(i), "param");
            }
          } else {
            roles.putIfAbsent(in.get(i), "param");
          }
        }
      } else if (op.equals("PRelu")
          || op.equals("InstanceNormalization")
          || op.equals("LayerNormalization")) {
        for (int i = 1; i < in.size(); i++) {
          roles.putIfAbsent(in.get(i), "param");
        }
      } else if (op.equals("BatchNormalization")) {
        roles.putIfAbsent(n.input(1), "param");
        roles.putIfAbsent(n.input(2), "param");
        roles.put(n.input(3), "state");
        roles.put(n.input(4), "state");
      } else if ((op.equals("Add") || op.equals("Sub")) && in.size() == 2) {
        for (int i = 0; i < 2; i++) {
          Node other = producers.get(in.get(1 - i));
          if (inits.contains(in.get(i)) && other != null && WEIGHT_OPS.contains(other.opType())) {
            roles.putIfAbsent(in.get(i), "param");
          }
        }
      }
    }
    roles.keySet().retainAll(inits);
    return roles;
  }

  /**
   * An executor with the default parameter selection, owning a new base manager on the configured
   * device ({@link DeviceChoice#configured()}).
   */
  public static GraphExecutor of(Model model) {
    return builder(model).build();
  }

  public static Builder builder(Model model) {
    return new Builder(model);
  }

  /** Builder: {@code optTrainable} restricts which parameters get gradients. */
  public static final class Builder {
    private final Model model;
    private Predicate<String> trainable = name -> true;
    private NDManager parentManager;
    private Device device;

    private Builder(Model model) {
      this.model = Objects.requireNonNull(model, "model");
    }

    /** Only initializers accepted by {@code filter} (among the default candidates) are trained. */
    public Builder optTrainable(Predicate<String> filter) {
      this.trainable = Objects.requireNonNull(filter);
      return this;
    }

    /** Allocates parameters under a sub-manager of {@code parent} instead of a new base manager. */
    public Builder optManager(NDManager parent) {
      this.parentManager = parent;
      return this;
    }

    /**
     * The device of a new base manager (default: {@link DeviceChoice#configuredDevice()}); ignored
     * with {@link #optManager}, whose sub-manager keeps the parent's device.
     */
    public Builder optDevice(Device d) {
      this.device = d;
      return this;
    }

    public GraphExecutor build() {
      return new GraphExecutor(this);
    }
  }

  public Model model() {
    return model;
  }

  /** The manager owning parameters and state. */
  public NDManager manager() {
    return manager;
  }

  /** The DJL block view of this executor (for DJL's Trainer). */
  public GraphBlock block() {
    return block;
  }

  /** Graph inputs the caller must feed, in graph order. */
  public List<ValueInfo> inputs() {
    return inputs;
  }

  public List<String> inputNames() {
    return inputs.stream().map(ValueInfo::name).toList();
  }

  public List<String> outputNames() {
    return Collections.unmodifiableList(outputNames);
  }

  /** Trainable parameters by initializer name, in graph order. */
  public Map<String, Parameter> parameters() {
    return Collections.unmodifiableMap(parameters);
  }

  /** Names of the BatchNormalization running statistics held as state. */
  public Set<String> stateNames() {
    return Collections.unmodifiableSet(state.keySet());
  }

  /** Number of trainable scalars. */
  public long trainableParameterCount() {
    long n = 0;
    for (Parameter p : parameters.values()) {
      n += p.getArray().size();
    }
    return n;
  }

  /** True if {@code name} is a tensor of the graph (input, initializer or node output). */
  public boolean hasTensor(String name) {
    return knownTensors.contains(name);
  }

  boolean isState(String name) {
    return state.containsKey(name);
  }

  /** The running statistic {@code name} (owned by this executor). */
  NDArray stateArray(String name) {
    return state.get(name);
  }

  void updateState(String name, NDArray value) {
    NDArray v = value.stopGradient();
    v.attach(manager);
    NDArray old = state.put(name, v);
    if (old != null && old != v) {
      old.close();
    }
  }

  /**
   * Runs {@code body} with autograd recording off on this thread and restores the previous mode.
   * PyTorch's grad mode is per thread and on by default in threads other than the one that started
   * the engine, so inference helpers use this to avoid building autograd graphs.
   */
  public static <T> T withoutGradients(Supplier<T> body) {
    boolean prev = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      return body.get();
    } finally {
      JniUtils.setGradMode(prev);
    }
  }

  /** Sets all parameter gradients to zero. */
  public void zeroGradients() {
    for (Parameter p : parameters.values()) {
      JniUtils.zeroGrad((PtNDArray) p.getArray());
    }
  }

  /**
   * Runs the graph on positional inputs (graph order) and returns the graph outputs in order. Every
   * array of the pass belongs to {@code batch}.
   */
  public NDList forward(NDManager batch, NDList inputArrays, boolean training) {
    if (inputArrays.size() != inputs.size()) {
      throw new IllegalArgumentException(
          "model expects "
              + inputs.size()
              + " inputs "
              + inputNames()
              + ", got "
              + inputArrays.size());
    }
    Map<String, NDArray> in = new LinkedHashMap<>();
    for (int i = 0; i < inputs.size(); i++) {
      in.put(inputs.get(i).name(), inputArrays.get(i));
    }
    Map<String, NDArray> out = forward(batch, in, training, Set.of());
    NDList list = new NDList();
    for (String o : outputNames) {
      list.add(out.get(o));
    }
    return list;
  }

  /**
   * Runs the graph and returns the graph outputs plus the tensors named in {@code taps} (any graph
   * input, initializer or node output), keyed by name.
   */
  public Map<String, NDArray> forward(
      NDManager batch,
      Map<String, NDArray> inputArrays,
      boolean training,
      Collection<String> taps) {
    List<String> wanted = new ArrayList<>(outputNames);
    wanted.addAll(taps);
    return run(batch, inputArrays, training, wanted);
  }

  /**
   * Feature maps: evaluates (eval mode) only the nodes needed for the tensors in {@code taps} and
   * returns them by name. Cheaper than {@link #forward} when the taps are early layers.
   */
  public Map<String, NDArray> featureMaps(
      NDManager batch, Map<String, NDArray> inputArrays, Collection<String> taps) {
    return run(batch, inputArrays, false, new ArrayList<>(taps));
  }

  /**
   * Convenience evaluation on IR tensors: eval mode, returns the graph outputs plus {@code taps} as
   * IR tensors. Allocates and frees its own batch manager.
   */
  public Map<String, TensorValue> run(
      Map<String, TensorValue> inputValues, Collection<String> taps) {
    return withoutGradients(() -> runValues(inputValues, taps));
  }

  private Map<String, TensorValue> runValues(
      Map<String, TensorValue> inputValues, Collection<String> taps) {
    try (NDManager batch = manager.newSubManager()) {
      Map<String, NDArray> in = new LinkedHashMap<>();
      for (Map.Entry<String, TensorValue> e : inputValues.entrySet()) {
        in.put(e.getKey(), Tensors.toNDArray(batch, e.getValue()));
      }
      Map<String, NDArray> out = forward(batch, in, false, taps);
      Map<String, TensorValue> result = new LinkedHashMap<>();
      for (Map.Entry<String, NDArray> e : out.entrySet()) {
        result.put(e.getKey(), Tensors.toTensorValue(e.getValue()));
      }
      return result;
    }
  }

  /**
   * Feature maps on IR tensors: evaluates (eval mode) only what the tensors in {@code taps} need
   * and returns them as IR tensors, keyed by name in tap order. Allocates and frees its own batch
   * manager.
   */
  public Map<String, TensorValue> featureMapValues(
      Map<String, TensorValue> inputValues, Collection<String> taps) {
    return withoutGradients(() -> featureMapValuesNoGrad(inputValues, taps));
  }

  private Map<String, TensorValue> featureMapValuesNoGrad(
      Map<String, TensorValue> inputValues, Collection<String> taps) {
    try (NDManager batch = manager.newSubManager()) {
      Map<String, NDArray> in = new LinkedHashMap<>();
      for (Map.Entry<String, TensorValue> e : inputValues.entrySet()) {
        in.put(e.getKey(), Tensors.toNDArray(batch, e.getValue()));
      }
      Map<String, TensorValue> result = new LinkedHashMap<>();
      for (Map.Entry<String, NDArray> e : featureMaps(batch, in, taps).entrySet()) {
        result.put(e.getKey(), Tensors.toTensorValue(e.getValue()));
      }
      return result;
    }
  }

  /**
   * Feature maps from intermediate values: like {@link #featureMapValues}, but {@code known} may
   * hold any tensors of the graph (graph inputs or node outputs, e.g. the values crossing a cut of
   * the graph); only the nodes between them and {@code taps} run, and a graph input is needed only
   * where a tap depends on it. Allocates and frees its own batch manager.
   */
  public Map<String, TensorValue> featureMapValuesFrom(
      Map<String, TensorValue> known, Collection<String> taps) {
    return withoutGradients(
        () -> {
          try (NDManager batch = manager.newSubManager()) {
            Map<String, NDArray> in = new LinkedHashMap<>();
            for (Map.Entry<String, TensorValue> e : known.entrySet()) {
              in.put(e.getKey(), Tensors.toNDArray(batch, e.getValue()));
            }
            Map<String, TensorValue> result = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e :
                run(batch, in, false, new ArrayList<>(taps), true).entrySet()) {
              result.put(e.getKey(), Tensors.toTensorValue(e.getValue()));
            }
            return result;
          }
        });
  }

  private Map<String, NDArray> run(
      NDManager batch, Map<String, NDArray> inputArrays, boolean training, List<String> wanted) {
    return run(batch, inputArrays, training, wanted, false);
  }

  /** With {@code partial}, {@code inputArrays} may name any tensors and need not cover inputs. */
  private Map<String, NDArray> run(
      NDManager batch,
      Map<String, NDArray> inputArrays,
      boolean training,
      List<String> wanted,
      boolean partial) {
    for (String w : wanted) {
      if (!knownTensors.contains(w)) {
        throw new IllegalArgumentException(
            "no tensor named '"
                + w
                + "' in graph '"
                + model.graph().name()
                + "'; tap a graph input, an initializer or a node output name");
      }
    }
    Map<String, NDArray> env = new HashMap<>();
    if (partial) {
      for (Map.Entry<String, NDArray> e : inputArrays.entrySet()) {
        if (!knownTensors.contains(e.getKey())) {
          throw new IllegalArgumentException(
              "no tensor named '" + e.getKey() + "' in graph '" + model.graph().name() + "'");
        }
        env.put(e.getKey(), view(batch, e.getValue()));
      }
    }
    for (ValueInfo v : partial ? List.<ValueInfo>of() : inputs) {
      NDArray a = inputArrays.get(v.name());
      if (a == null) {
        throw new IllegalArgumentException(
            "missing input '" + v.name() + "'; the model expects inputs " + inputNames());
      }
      checkInputShape(v, a);
      env.put(v.name(), view(batch, a));
    }
    Set<String> given = partial ? new HashSet<>(env.keySet()) : Set.<String>of();
    Set<String> needed = neededTensors(wanted, given);
    ExecContext ctx = new ExecContext(batch, training, this);
    for (Step step : program) {
      Node n = step.node();
      boolean need = false;
      for (String o : n.outputs()) {
        need |= needed.contains(o) && !given.contains(o);
      }
      if (!need) {
        continue;
      }
      NDArray[] args = new NDArray[n.inputs().size()];
      for (int i = 0; i < args.length; i++) {
        String name = n.inputs().get(i);
        args[i] = name.isEmpty() ? null : lookup(env, batch, name, n);
      }
      NDArray[] results;
      try {
        results = step.kernel().apply(ctx, args);
      } catch (UnsupportedOpException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new IllegalStateException(
            "node " + n.label() + " failed on inputs " + describe(args) + ": " + e.getMessage(), e);
      }
      for (int i = 0; i < n.outputs().size() && i < results.length; i++) {
        String o = n.outputs().get(i);
        NDArray r = results[i];
        if (o.isEmpty() || r == null) {
          continue;
        }
        if (r.getManager() != batch) {
          r.attach(batch);
        }
        env.put(o, r);
      }
    }
    Map<String, NDArray> out = new LinkedHashMap<>();
    for (String w : wanted) {
      out.put(w, lookup(env, batch, w, null));
    }
    return out;
  }

  private static String describe(NDArray[] args) {
    List<String> s = new ArrayList<>();
    for (NDArray a : args) {
      s.add(a == null ? "-" : a.getShape() + ":" + a.getDataType());
    }
    return s.toString();
  }

  private void checkInputShape(ValueInfo v, NDArray a) {
    long[] dims = v.dims();
    if (dims == null) {
      return;
    }
    long[] actual = a.getShape().getShape();
    boolean ok = dims.length == actual.length;
    for (int i = 1; ok && i < dims.length; i++) {
      ok = dims[i] < 0 || dims[i] == actual[i];
    }
    if (!ok) {
      throw new IllegalArgumentException(
          "input '"
              + v.name()
              + "' of model '"
              + model.graph().name()
              + "': expected shape "
              + v.shape()
              + ", found "
              + Arrays.toString(actual)
              + " (check the dataset's image size, channels and layout NCHW)");
    }
  }

  /**
   * Tensor names needed to compute {@code wanted}, by walking the graph backwards; the walk stops
   * at the tensors in {@code given}.
   */
  private Set<String> neededTensors(List<String> wanted, Set<String> given) {
    Set<String> needed = new HashSet<>(wanted);
    for (int i = program.size() - 1; i >= 0; i--) {
      Node n = program.get(i).node();
      boolean need = false;
      for (String o : n.outputs()) {
        need |= needed.contains(o) && !given.contains(o);
      }
      if (need) {
        needed.addAll(n.inputs());
      }
    }
    return needed;
  }

  /** The value of a tensor in this pass; initializers are entered as views owned by the batch. */
  private NDArray lookup(Map<String, NDArray> env, NDManager batch, String name, Node consumer) {
    NDArray a = env.get(name);
    if (a != null) {
      return a;
    }
    NDArray base = null;
    Parameter p = parameters.get(name);
    if (p != null) {
      base = p.getArray();
    } else if (state.containsKey(name)) {
      base = state.get(name);
    } else if (constants.containsKey(name)) {
      base = constants.get(name);
    }
    if (base == null) {
      throw new IllegalStateException(
          "tensor '"
              + name
              + "'"
              + (consumer == null ? "" : " read by node " + consumer.label())
              + " is not computed before it is used (graph not in topological order?)");
    }
    a = view(batch, base);
    env.put(name, a);
    return a;
  }

  /** A view of {@code a} owned by {@code batch} (autograd flows through it to {@code a}). */
  private static NDArray view(NDManager batch, NDArray a) {
    if (a.getManager() == batch) {
      return a;
    }
    NDArray v = a.reshape(a.getShape());
    v.attach(batch);
    return v;
  }

  /**
   * A chain of this graph's linear nodes (Conv, ConvTranspose, Gemm, MatMul), each reading the
   * previous one's output as its first input, compiled to run on any input with the chain's biases
   * dropped and, for Conv and ConvTranspose, strides 1, no padding, no auto_pad (and no
   * output_padding or output_shape). Fed unit impulses, it returns the chain's dense weight (e.g.
   * the product of a factorized layer's factors): see {@link LinearChain#apply}.
   *
   * @param nodes names of the chain's nodes in order
   * @throws IllegalArgumentException when a node is missing, not linear, or does not read its
   *     predecessor's output
   */
  public LinearChain linearChain(List<String> nodes) {
    Map<String, Node> byName = new HashMap<>();
    for (Node n : model.graph().nodes()) {
      byName.put(n.name(), n);
    }
    long opset = model.opset() < 0 ? 13 : model.opset();
    List<Step> steps = new ArrayList<>();
    String previous = null;
    for (String name : nodes) {
      Node n = byName.get(name);
      if (n == null || !WEIGHT_OPS.contains(n.opType())) {
        throw new IllegalArgumentException(
            "linear chain: node '"
                + name
                + "' of graph '"
                + model.graph().name()
                + "' is "
                + (n == null ? "missing" : "a " + n.opType())
                + "; expected Conv, ConvTranspose, Gemm or MatMul");
      }
      if (previous != null && !n.input(0).equals(previous)) {
        throw new IllegalArgumentException(
            "linear chain: node "
                + n.label()
                + " reads '"
                + n.input(0)
                + "', not its predecessor's output '"
                + previous
                + "'");
      }
      previous = n.output(0);
      Node.Builder b = n.toBuilder().inputs(n.inputs().subList(0, 2));
      if (n.opType().equals("Conv") || n.opType().equals("ConvTranspose")) {
        TensorValue w = model.graph().initializers().get(n.input(1));
        if (w == null) {
          throw new IllegalArgumentException(
              "linear chain: the weight of " + n.label() + " is not an initializer");
        }
        b.removeAttribute("auto_pad")
            .removeAttribute("pads")
            .removeAttribute("output_padding")
            .removeAttribute("output_shape")
            .attrInts("strides", ones(w.dims().length - 2));
      }
      Node linear = b.build();
      steps.add(new Step(linear, Kernels.compile(linear, opset)));
    }
    return new LinearChain(steps);
  }

  private static long[] ones(int n) {
    long[] v = new long[n];
    Arrays.fill(v, 1);
    return v;
  }

  /** A compiled chain of linear nodes; see {@link #linearChain}. */
  public final class LinearChain {
    private final List<Step> steps;

    private LinearChain(List<Step> steps) {
      this.steps = List.copyOf(steps);
    }

    /**
     * The chain's output for {@code x} (eval mode); its parameters are read as in {@link #forward},
     * so gradients flow to them. Every array of the pass belongs to {@code batch}.
     *
     * <p>Dense weight of a conv chain with C inputs and a k_1 x k_2 kernel: x = the C k_1 k_2 unit
     * impulses, shaped [C k_1 k_2, C, k_1, k_2], give y [C k_1 k_2, O, 1, 1] with y[(c, i, j), o] =
     * W[o, c, i, j]; a transposed-conv chain (ConvTranspose W_T [C, O, k_1, k_2]) spreads each of
     * the C impulses x = I_C shaped [C, C, 1, 1] over the kernel: y [C, O, k_1, k_2] = W_T; for a
     * dense chain x = I_C gives y [C, O] = W^T (W [O, C] as Gemm transB = 1).
     */
    public NDArray apply(NDManager batch, NDArray x) {
      Map<String, NDArray> env = new HashMap<>();
      ExecContext ctx = new ExecContext(batch, false, GraphExecutor.this);
      NDArray cur = view(batch, x);
      for (Step step : steps) {
        Node n = step.node();
        NDArray[] args = {cur, lookup(env, batch, n.input(1), n)};
        NDArray r = step.kernel().apply(ctx, args)[0];
        if (r.getManager() != batch) {
          r.attach(batch);
        }
        cur = r;
      }
      return cur;
    }
  }

  /**
   * A copy of the model whose trainable parameters and running statistics hold the current values
   * (in the initializers' declared element types).
   */
  public Model exportWeights() {
    Graph g = model.graph();
    Graph.Builder b = g.toBuilder();
    for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
      b.putInitializer(e.getKey(), export(g, e.getKey(), e.getValue().getArray()));
    }
    for (Map.Entry<String, NDArray> e : state.entrySet()) {
      b.putInitializer(e.getKey(), export(g, e.getKey(), e.getValue()));
    }
    return model.withGraph(b.build());
  }

  private static TensorValue export(Graph g, String name, NDArray a) {
    TensorValue orig = g.initializers().get(name);
    float[] data = a.toFloatArray();
    return TensorValue.ofFloats(orig.dataType(), orig.dims(), data);
  }

  /** Current value of a parameter or state tensor as an IR tensor. */
  public TensorValue value(String name) {
    Parameter p = parameters.get(name);
    NDArray a =
        p != null ? p.getArray() : state.containsKey(name) ? state.get(name) : constants.get(name);
    if (a == null) {
      throw new IllegalArgumentException("no initializer named '" + name + "'");
    }
    return Tensors.toTensorValue(a);
  }

  @Override
  public void close() {
    manager.close();
  }
}
