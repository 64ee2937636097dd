package org.lowrank.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.lowrank.demo.DemoModels;
import org.lowrank.graph.Model;
import org.lowrank.graph.TensorValue;
import org.lowrank.onnx.OnnxWriter;
import org.lowrank.rewrite.LayerRewriter;
import org.lowrank.train.data.MalformedData;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Every verb against every malformed input. A row names a malformed input and the argument slots it
 * fills; it runs against every verb that has those slots, discovered from the picocli command line
 * (so a new verb or a new model/data/plan/output option is covered by default). The other slots a
 * verb needs get valid fillers (a small CNN, a 16-image IDX dataset, an output in its own folder).
 * Each run must: exit with the row's code (bad input unless said otherwise: never 0, never the
 * internal-error code), print no stack trace, name the row's file on stderr, leave every input file
 * byte-identical, and leave no output or temporary file behind.
 *
 * <p>Adding a case is one line in {@link #rows()}.
 */
class BadInputSuiteTest {
  @TempDir static Path root;

  /** Where a malformed input goes on the command line. */
  enum Slot {
    /** The model: the first positional parameter labelled *.onnx. */
    MODEL,
    /** A second model: --teacher, --against, or a second positional *.onnx. */
    OTHER_MODEL,
    /** --data. */
    DATA,
    /** --plan. */
    PLAN,
    /** -o / --output (a file or a directory, depending on the verb). */
    OUTPUT
  }

  /** Writes a row's files into {@code in} (the inputs folder) and returns the slot values. */
  interface Builder {
    Map<Slot, Path> write(Fixture f) throws Exception;
  }

  /**
   * One malformed input.
   *
   * @param name what is wrong
   * @param slots the slots the row fills (verbs without all of them are skipped)
   * @param named the slot whose file the error must name
   * @param code the expected exit code
   * @param message text the error must contain ("" = anything)
   * @param verbs which verbs (of those with the slots) the row applies to
   */
  record Row(
      String name,
      Set<Slot> slots,
      Slot named,
      int code,
      String message,
      Predicate<CommandSpec> verbs,
      Builder builder) {
    Row where(Predicate<CommandSpec> p) {
      return new Row(name, slots, named, code, message, verbs.and(p), builder);
    }

    Row expecting(String text) {
      return new Row(name, slots, named, code, text, verbs, builder);
    }
  }

  static Row row(String name, Slot slot, Builder b) {
    return new Row(name, Set.of(slot), slot, ExitCodes.BAD_INPUT, "", s -> true, b);
  }

  /** A collision: {@code -o} is the input in {@code slot} under some name. */
  static Row collision(String name, Slot slot, Builder b) {
    return new Row(
        name,
        Set.of(slot, Slot.OUTPUT),
        Slot.OUTPUT,
        ExitCodes.BAD_INPUT,
        "would overwrite",
        s -> true,
        b);
  }

  /** Verbs whose -o is a file (not demo's output directory). */
  static boolean fileOutput(CommandSpec s) {
    ArgSpec o = s.findOption("-o");
    return o != null && !o.paramLabel().equals("DIR");
  }

  static List<Row> rows() {
    return List.of(
        row("missing model", Slot.MODEL, f -> Map.of(Slot.MODEL, f.in("nope.onnx"))),
        row("empty model", Slot.MODEL, f -> Map.of(Slot.MODEL, f.file("empty.onnx", new byte[0]))),
        row(
            "not protobuf",
            Slot.MODEL,
            f -> Map.of(Slot.MODEL, f.file("junk.onnx", "hello".getBytes()))),
        row(
            "truncated model",
            Slot.MODEL,
            f ->
                Map.of(
                    Slot.MODEL,
                    f.file("half.onnx", Arrays.copyOf(f.goodModel, f.goodModel.length / 2)))),
        row("NaN weight", Slot.MODEL, f -> Map.of(Slot.MODEL, f.file("nan.onnx", nanModel())))
            .expecting("layer 'conv2'"),
        row(
            "missing other model",
            Slot.OTHER_MODEL,
            f -> Map.of(Slot.OTHER_MODEL, f.in("none.onnx"))),
        row(
            "junk other model",
            Slot.OTHER_MODEL,
            f -> Map.of(Slot.OTHER_MODEL, f.file("junk2.onnx", new byte[] {8, 1, 2, 3}))),
        row(
                "NaN other model",
                Slot.OTHER_MODEL,
                f -> Map.of(Slot.OTHER_MODEL, f.file("nan2.onnx", nanModel())))
            .expecting("NaN"),
        row("missing data", Slot.DATA, f -> Map.of(Slot.DATA, f.in("no-such-data"))),
        row(
                "image bomb in the data zip",
                Slot.DATA,
                f ->
                    Map.of(
                        Slot.DATA,
                        MalformedData.writeZip(
                            f.in("bomb.zip"), classFolders(MalformedData.pngBomb()))))
            .expecting("pixels"),
        row(
                "corrupt JPEG in the data folder",
                Slot.DATA,
                f ->
                    Map.of(
                        Slot.DATA,
                        writeFolders(f.dir("jpegs"), classFolders(MalformedData.corruptJpeg()))))
            .expecting(".jpg"),
        row(
                "fewer training images than one batch",
                Slot.DATA,
                f -> {
                  Path d = f.dir("tiny");
                  for (String split : new String[] {"train", "test"}) {
                    for (int c = 0; c < 10; c++) {
                      MalformedData.write(
                          d.resolve(split + "/c" + c + "/0.png"),
                          MalformedData.png(28, 28, 0x10 * c));
                    }
                  }
                  return Map.of(Slot.DATA, d);
                })
            .where(s -> s.name().equals("finetune"))
            .expecting("fewer than one batch"),
        row(
            "data zip is broken",
            Slot.DATA,
            f -> Map.of(Slot.DATA, f.file("broken.zip", MalformedData.brokenZip()))),
        row(
            "IDX header announces a billion images",
            Slot.DATA,
            f -> {
              Path d = f.dir("lying-idx");
              for (String split : new String[] {"train", "t10k"}) {
                Files.write(
                    d.resolve(split + "-images-idx3-ubyte"),
                    MalformedData.idxImagesHeaderOnly(1_000_000_000, 28, 28));
                Files.write(
                    d.resolve(split + "-labels-idx1-ubyte"), MalformedData.idxLabels(new byte[16]));
              }
              return Map.of(Slot.DATA, d);
            }),
        row(
                "plan nested 200k deep",
                Slot.PLAN,
                f ->
                    Map.of(
                        Slot.PLAN,
                        f.file(
                            "deep.json", ("[".repeat(200_000) + "]".repeat(200_000)).getBytes())))
            .expecting("nested"),
        row("plan is /dev/zero", Slot.PLAN, f -> Map.of(Slot.PLAN, Path.of("/dev/zero")))
            .where(s -> Files.isReadable(Path.of("/dev/zero"))),
        row(
                "plan version 99",
                Slot.PLAN,
                f -> Map.of(Slot.PLAN, f.file("v99.json", plan(99, "conv2", "conv2").getBytes())))
            .expecting("version 99"),
        row(
                "plan lists a layer twice",
                Slot.PLAN,
                f -> Map.of(Slot.PLAN, f.file("dup.json", plan(1, "conv2", "conv2").getBytes())))
            .expecting("more than once"),
        row(
            "plan is not JSON",
            Slot.PLAN,
            f -> Map.of(Slot.PLAN, f.file("p.json", "{\"format\"".getBytes()))),
        collision(
            "-o is the model",
            Slot.MODEL,
            f -> Map.of(Slot.MODEL, f.model(), Slot.OUTPUT, f.model())),
        collision(
            "-o is the model via ..",
            Slot.MODEL,
            f ->
                Map.of(
                    Slot.MODEL,
                    f.model(),
                    Slot.OUTPUT,
                    f.dir("sub").resolve("..").resolve(f.model().getFileName()))),
        collision(
            "-o is a symlink to the model",
            Slot.MODEL,
            f ->
                Map.of(
                    Slot.MODEL,
                    f.model(),
                    Slot.OUTPUT,
                    Files.createSymbolicLink(f.in("link.onnx"), f.model()))),
        collision(
            "-o is a hard link to the model",
            Slot.MODEL,
            f ->
                Map.of(
                    Slot.MODEL,
                    f.model(),
                    Slot.OUTPUT,
                    Files.createLink(f.in("hard.onnx"), f.model()))),
        collision(
            "-o is the plan",
            Slot.PLAN,
            f -> {
              Path p = f.file("plan.json", plan(1, "conv2").getBytes());
              return Map.of(Slot.PLAN, p, Slot.OUTPUT, p);
            }),
        collision(
            "-o is the data zip",
            Slot.DATA,
            f -> {
              Path z =
                  f.file(
                      "data.zip",
                      new byte[] {
                        'P', 'K', 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
                      });
              return Map.of(Slot.DATA, z, Slot.OUTPUT, z);
            }),
        collision(
            "-o is the other model",
            Slot.OTHER_MODEL,
            f -> {
              Path t = f.file("teacher.onnx", f.goodModel);
              return Map.of(Slot.OTHER_MODEL, t, Slot.OUTPUT, t);
            }),
        row(
                "-o under a regular file",
                Slot.OUTPUT,
                f -> Map.of(Slot.OUTPUT, f.file("plain", "x".getBytes()).resolve("out")))
            .expecting("is not a directory"),
        row("-o is a directory", Slot.OUTPUT, f -> Map.of(Slot.OUTPUT, f.dir("outdir")))
            .where(BadInputSuiteTest::fileOutput)
            .expecting("is a directory"));
  }

  @TestFactory
  Stream<DynamicTest> everyVerbRefusesEveryMalformedInput() {
    CommandLine main = Main.commandLine();
    List<DynamicTest> tests = new ArrayList<>();
    for (Map.Entry<String, CommandLine> verb : new TreeMap<>(main.getSubcommands()).entrySet()) {
      CommandSpec spec = verb.getValue().getCommandSpec();
      Map<Slot, String> slots = slotsOf(spec);
      if (slots.isEmpty()) {
        continue; // e.g. help: reads no file
      }
      for (Row r : rows()) {
        if (slots.keySet().containsAll(r.slots()) && r.verbs().test(spec)) {
          tests.add(
              DynamicTest.dynamicTest(
                  verb.getKey() + ": " + r.name(), () -> check(verb.getKey(), slots, r)));
        }
      }
    }
    assertTrue(tests.size() > 40, "the table covers every verb: " + tests.size() + " cases");
    return tests.stream();
  }

  /** The suite covers every verb that reads or writes a file. */
  @TestFactory
  Stream<DynamicTest> everyVerbWithAFileArgumentHasRows() {
    CommandLine main = Main.commandLine();
    return main.getSubcommands().entrySet().stream()
        .filter(e -> !slotsOf(e.getValue().getCommandSpec()).isEmpty())
        .map(
            e ->
                DynamicTest.dynamicTest(
                    e.getKey(),
                    () -> {
                      Map<Slot, String> slots = slotsOf(e.getValue().getCommandSpec());
                      assertTrue(
                          rows().stream().anyMatch(r -> slots.keySet().containsAll(r.slots())),
                          e.getKey() + " has no bad-input row");
                    }));
  }

  /** The option name (or "#index" for a positional) of each slot a verb has. */
  static Map<Slot, String> slotsOf(CommandSpec spec) {
    Map<Slot, String> m = new EnumMap<>(Slot.class);
    for (CommandLine.Model.PositionalParamSpec p : spec.positionalParameters()) {
      if (p.paramLabel().endsWith(".onnx")) {
        m.putIfAbsent(p.index().min() == 0 ? Slot.MODEL : Slot.OTHER_MODEL, "#" + p.index().min());
      }
    }
    for (CommandLine.Model.OptionSpec o : spec.options()) {
      Set<String> names = Set.of(o.names());
      if (names.contains("-o")) {
        m.put(Slot.OUTPUT, "-o");
      } else if (names.contains("--data")) {
        m.put(Slot.DATA, "--data");
      } else if (names.contains("--plan")) {
        m.put(Slot.PLAN, "--plan");
      } else if (o.paramLabel().endsWith(".onnx")) {
        m.putIfAbsent(Slot.OTHER_MODEL, o.longestName());
      }
    }
    return m;
  }

  private static void check(String verb, Map<Slot, String> slots, Row r) throws Exception {
    Fixture f = new Fixture(Files.createTempDirectory(root, verb + "-"));
    Map<Slot, Path> values = new EnumMap<>(Slot.class);
    values.putAll(r.builder().write(f));
    // valid fillers for the slots the row leaves empty: the model, the data, the output
    if (slots.containsKey(Slot.MODEL)) {
      values.putIfAbsent(Slot.MODEL, f.model());
    }
    if (slots.containsKey(Slot.DATA)) {
      values.putIfAbsent(Slot.DATA, f.data());
    }
    if (slots.containsKey(Slot.OUTPUT)) {
      values.putIfAbsent(Slot.OUTPUT, f.out.resolve(verb + "-result"));
    }
    List<String> positional = new ArrayList<>();
    List<String> args = new ArrayList<>(List.of(verb));
    for (Map.Entry<Slot, Path> e : values.entrySet()) {
      String where = slots.get(e.getKey());
      if (where.startsWith("#")) {
        positional.add(Integer.parseInt(where.substring(1)), e.getValue().toString());
      } else {
        args.add(where);
        args.add(e.getValue().toString());
      }
    }
    args.addAll(positional);
    CommandSpec spec = Main.commandLine().getSubcommands().get(verb).getCommandSpec();
    if (spec.findOption("-q") != null) {
      args.add("-q");
    }
    if (spec.findOption("--threads") != null) {
      args.addAll(List.of("--threads", "1"));
    }
    Map<Path, String> before = hashes(f.in);

    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args.toArray(String[]::new));

    String what =
        verb
            + " "
            + String.join(" ", args.subList(1, args.size()))
            + "\nstdout: "
            + out
            + "\nstderr: "
            + err;
    assertEquals(r.code(), code, "exit code of " + what);
    assertFalse(
        err.toString().contains("\tat ") || err.toString().contains("Exception in thread"),
        "no stack trace: " + what);
    Path named = values.get(r.named());
    assertTrue(
        err.toString().contains(named.getFileName().toString()),
        "stderr names " + named + ": " + what);
    assertTrue(err.toString().contains(r.message()), "stderr says '" + r.message() + "': " + what);
    assertEquals(before, hashes(f.in), "inputs unchanged, nothing added beside them: " + what);
    try (Stream<Path> left = Files.exists(f.out) ? Files.walk(f.out).skip(1) : Stream.empty()) {
      assertEquals(List.of(), left.toList(), "no output or temporary file left: " + what);
    }
  }

  /** SHA-256 of every file under {@code dir} (links as their targets), by path. */
  private static Map<Path, String> hashes(Path dir) throws IOException {
    Map<Path, String> m = new TreeMap<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.toList()) {
        if (Files.isRegularFile(p)) {
          m.put(p, sha256(Files.readAllBytes(p)));
        } else if (!p.equals(dir)) {
          m.put(p, Files.isSymbolicLink(p) ? "link" : "dir");
        }
      }
    }
    return m;
  }

  private static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A plan for the demo CNN listing {@code layers} (Tucker-2 ranks 4, 4) with a format version. */
  static String plan(long version, String... layers) {
    StringBuilder sb =
        new StringBuilder(
            "{\"format\": \"lowrank-plan\", \"version\": "
                + version
                + ", \"budget\": {\"kind\": \"none\", \"keep\": 1.0}, \"layers\": [");
    for (int i = 0; i < layers.length; i++) {
      sb.append(i == 0 ? "" : ", ")
          .append("{\"layer\": \"")
          .append(layers[i])
          .append("\", \"method\": \"tucker\", \"ranks\": [4, 4]}");
    }
    return sb.append("]}").toString();
  }

  /**
   * Ten class folders c0..c9 in "train" and "test", each with seven copies of {@code bad} named
   * {@code 0.png}..{@code 6.png} (or .jpg, by its bytes): enough images for one fine-tuning batch
   * of 64, so every verb that reads images meets a bad one.
   */
  static Map<String, byte[]> classFolders(byte[] bad) {
    Map<String, byte[]> m = new java.util.LinkedHashMap<>();
    String ext = (bad[0] & 0xff) == 0xff ? ".jpg" : ".png";
    for (String split : new String[] {"train", "test"}) {
      for (int c = 0; c < 10; c++) {
        for (int i = 0; i < 7; i++) {
          m.put(split + "/c" + c + "/" + i + ext, bad);
        }
      }
    }
    return m;
  }

  /** Writes {@code entries} (relative path to bytes) under {@code dir}. */
  static Path writeFolders(Path dir, Map<String, byte[]> entries) throws IOException {
    for (Map.Entry<String, byte[]> e : entries.entrySet()) {
      MalformedData.write(dir.resolve(e.getKey()), e.getValue());
    }
    return dir;
  }

  /** The demo CNN with a NaN in conv2's weight. */
  static byte[] nanModel() {
    Model m = DemoModels.fashionCnn(3);
    TensorValue w =
        m.graph().initializer(LayerRewriter.findLayer(m.graph(), "conv2").input(1)).orElseThrow();
    float[] v = w.toFloatArray();
    v[5] = Float.NaN;
    return OnnxWriter.toBytes(
        LayerRewriter.withWeight(m, "conv2", TensorValue.ofFloats(w.dims(), v)));
  }

  /** One case's folders: {@code in} for every input, {@code out} for the valid output filler. */
  static final class Fixture {
    final Path in;
    final Path out;
    final byte[] goodModel = GOOD_MODEL;

    Fixture(Path dir) throws IOException {
      in = Files.createDirectories(dir.resolve("in"));
      out = dir.resolve("out");
      Files.createDirectories(out);
    }

    Path in(String name) {
      return in.resolve(name);
    }

    Path file(String name, byte[] bytes) throws IOException {
      return Files.write(in.resolve(name), bytes);
    }

    Path dir(String name) throws IOException {
      return Files.createDirectories(in.resolve(name));
    }

    /** The valid model (the demo CNN, 1x28x28 inputs, 10 classes). */
    Path model() throws IOException {
      Path p = in.resolve("model.onnx");
      return Files.exists(p) ? p : Files.write(p, goodModel);
    }

    /** A valid IDX dataset of 16 training and 16 test images, 28x28, labels 0..9. */
    Path data() throws IOException {
      Path d = in.resolve("idx");
      if (!Files.isDirectory(d)) {
        Files.createDirectories(d);
        for (String split : new String[] {"train", "t10k"}) {
          Files.write(d.resolve(split + "-images-idx3-ubyte"), idx(0x803, 16, 28, 28));
          Files.write(d.resolve(split + "-labels-idx1-ubyte"), idx(0x801, 16));
        }
      }
      return d;
    }

    private static byte[] idx(int magic, int... dims) {
      int n = 1;
      for (int x : dims) {
        n *= x;
      }
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + 4 * dims.length + n);
      b.putInt(magic);
      for (int x : dims) {
        b.putInt(x);
      }
      for (int i = 0; i < n; i++) {
        b.put((byte) (dims.length == 1 ? i % 10 : (i * 37) % 251));
      }
      return b.array();
    }
  }

  private static final byte[] GOOD_MODEL = OnnxWriter.toBytes(DemoModels.fashionCnn(3));
}
