package org.lowrank.bench;

import static org.lowrank.bench.record.Cells.fixed;
import static org.lowrank.bench.record.Cells.str;

import ai.djl.engine.Engine;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.lowrank.LowrankException;
import org.lowrank.bench.record.ResultLog;
import org.lowrank.bench.results.MarkdownTable;
import org.lowrank.bench.timing.TrainThroughputBench;
import org.lowrank.cli.ExitCodes;
import org.lowrank.graph.Model;
import org.lowrank.graph.ValueInfo;
import org.lowrank.onnx.OnnxReader;
import org.lowrank.train.data.DataLoader;
import org.lowrank.train.exec.DeviceChoice;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./bench gpu}: fine-tuning throughput (images/s of forward + backward + SGD Nesterov
 * update, synthetic images of the model's input size, random labels) of one model on one device or
 * device list, for a fixed number of steps after a warm-up. Appends one JSON line per measurement
 * to {@code --log} (default {@code results/gpu.jsonl}) and renders that file's latest line per id
 * into RESULTS.md between {@code <!-- gpu:begin -->} and {@code <!-- gpu:end -->}: one row per
 * model and batch, CPU and GPU images/s side by side. {@code scripts/gpu-check.sh} runs it on a
 * machine with a GPU.
 */
@Command(
    name = "gpu",
    mixinStandardHelpOptions = true,
    description = "Fine-tuning images/s of a model on --device cpu or cuda -> results/gpu.jsonl")
public final class GpuBench implements Callable<Integer> {
  static final String BLOCK = "gpu";
  static final Path DATA = Path.of("results", "gpu.jsonl");

  @Option(names = "--model", paramLabel = "FILE", description = "The ONNX model to fine-tune.")
  Path model;

  @Option(
      names = "--name",
      paramLabel = "NAME",
      description = "The model's name in the row id (default: the file name).")
  String name;

  @Option(
      names = "--device",
      paramLabel = "D",
      description = "cpu, cuda, cuda:N or a list (data-parallel); default: ${DEFAULT-VALUE}.")
  String device = "cpu";

  @Option(names = "--batch", description = "Batch size (default: ${DEFAULT-VALUE}).")
  int batch = 32;

  @Option(names = "--steps", description = "Timed steps (default: ${DEFAULT-VALUE}).")
  int steps = 10;

  @Option(names = "--warmup", description = "Untimed steps first (default: ${DEFAULT-VALUE}).")
  int warmup = 2;

  @Option(
      names = "--log",
      paramLabel = "FILE",
      description = "Results file the row is appended to (default: results/gpu.jsonl).")
  Path log = DATA;

  @Mixin RenderOptions page = new RenderOptions();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (!page.renderOnly) {
      if (model == null) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--model is required unless --render-only");
      }
      if (batch < 1 || steps < 1 || warmup < 0) {
        throw new CommandLine.ParameterException(
            spec.commandLine(),
            "--batch and --steps must be >= 1 and --warmup >= 0, found "
                + batch
                + ", "
                + steps
                + ", "
                + warmup);
      }
      List<DeviceChoice> devices;
      try {
        devices = DeviceChoice.parseReplicas(device);
        for (DeviceChoice d : devices) {
          d.resolve(); // no GPU: the clear --device error before any work
        }
      } catch (IllegalArgumentException | LowrankException e) {
        spec.commandLine().getErr().println("bench gpu: " + e.getMessage());
        return e instanceof LowrankException ? ExitCodes.RESOURCE : ExitCodes.BAD_INPUT;
      }
      Map<String, Object> row = measure(devices);
      new ResultLog(log).append(row);
      out.println(org.lowrank.util.Json.write(row, 0));
      out.flush();
    }
    if (log.equals(DATA)) {
      page.write(BLOCK, render(new ResultLog(DATA).latest()));
    }
    return 0;
  }

  private Map<String, Object> measure(List<DeviceChoice> devices) throws Exception {
    Model m = OnnxReader.read(model);
    ValueInfo in = m.graph().runtimeInputs().get(0);
    long[] d = in.dims();
    ValueInfo outInfo = m.graph().outputs().get(0);
    long[] od = outInfo.dims();
    int classes =
        od == null || od.length == 0 || od[od.length - 1] < 1 ? 10 : (int) od[od.length - 1];
    if (d == null || d.length != 4 || d[1] < 1 || d[2] < 1 || d[3] < 1) {
      throw new IllegalArgumentException(
          model
              + ": input '"
              + in.name()
              + "' has shape "
              + in.shape()
              + "; expected NCHW with fixed C, H and W");
    }
    DataLoader data =
        DataLoader.builder(
                TrainThroughputBench.synthetic(
                    batch * 2, (int) d[1], (int) d[2], (int) d[3], classes))
            .setBatchSize(batch)
            .optDropLast(true)
            .build();
    long t0 = System.nanoTime();
    double ips = TrainThroughputBench.trainImagesPerSecond(m, data, warmup, steps, devices);
    double wall = (System.nanoTime() - t0) / 1e9;
    String label = name != null ? name : model.getFileName().toString().replace(".onnx", "");
    String dev = String.join(",", devices.stream().map(DeviceChoice::toString).toList());
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", "gpu/" + label + "/" + dev + "/b" + batch);
    row.put("model", label);
    row.put("input", d[1] + "x" + d[2] + "x" + d[3]);
    row.put("device", dev);
    row.put("kind", devices.get(0).kind() == DeviceChoice.Choice.CPU ? "cpu" : "gpu");
    row.put("batch", batch);
    row.put("warmup", warmup);
    row.put("steps", steps);
    row.put("train_images_per_s", ips);
    row.put("wall_s", wall);
    row.put(
        "engine", Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
    row.put("engine_gpus", Engine.getInstance().getGpuCount());
    row.put("threads", Integer.getInteger("ai.djl.pytorch.num_threads", -1));
    row.put(
        "command",
        String.format(
            Locale.ROOT,
            "./bench gpu --model %s --name %s --device %s --batch %d --steps %d --warmup %d",
            model.isAbsolute() ? "OUT/" + model.getFileName() : model,
            label,
            dev,
            batch,
            steps,
            warmup));
    row.putAll(ResultLog.provenance());
    return row;
  }

  /** The block: per model and batch, CPU and GPU images/s and their ratio. */
  static String render(Map<String, Map<String, Object>> latest) {
    String title =
        "**Fine-tuning throughput, CPU vs GPU** (issue 19; images/s of fine-tuning steps after a "
            + "warm-up, synthetic images, random labels):";
    Map<String, Map<String, Object>> cpu = new LinkedHashMap<>();
    Map<String, Map<String, Object>> gpu = new LinkedHashMap<>();
    for (Map<String, Object> r : latest.values()) {
      String key = r.get("model") + "|" + r.get("input") + "|" + r.get("batch");
      ("gpu".equals(r.get("kind")) ? gpu : cpu).put(key, r);
    }
    if (gpu.isEmpty()) {
      return title
          + " not measured: no GPU machine has been lent to a session yet, so the GPU paths are"
          + " unverified (data parallelism is tested on CPU replicas); `scripts/gpu-check.sh`"
          + " measures these rows on one with `./bench gpu`.\n";
    }
    StringBuilder sb = new StringBuilder(title).append("\n\n");
    List<String> keys = new ArrayList<>(cpu.keySet());
    for (String k : gpu.keySet()) {
      if (!keys.contains(k)) {
        keys.add(k);
      }
    }
    MarkdownTable t =
        new MarkdownTable(
            "model", "input", "batch", "CPU img/s (threads)", "GPU img/s (device)", "GPU / CPU");
    for (String k : keys) {
      Map<String, Object> c = cpu.get(k);
      Map<String, Object> g = gpu.get(k);
      Map<String, Object> any = c != null ? c : g;
      Object ci = c == null ? null : c.get("train_images_per_s");
      Object gi = g == null ? null : g.get("train_images_per_s");
      t.add(
          str(any.get("model")),
          str(any.get("input")),
          str(any.get("batch")),
          c == null ? "" : fixed(ci, 1) + " (" + str(c.get("threads")) + ")",
          g == null ? "" : fixed(gi, 1) + " (" + str(g.get("device")) + ")",
          ci instanceof Number cn && gi instanceof Number gn
              ? fixed(gn.doubleValue() / cn.doubleValue(), 1) + "x"
              : "");
    }
    return sb.append(t.render())
        .append(
            "\nRerun: `scripts/gpu-check.sh` on a GPU machine; each row's `./bench gpu` command is the")
        .append(" `command` field of its line in `")
        .append(DATA)
        .append("`.\n")
        .toString();
  }
}
