package org.lowrank.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * One option vocabulary across verbs: a concept has one visible name; old names are hidden aliases.
 */
class OptionVocabularyTest {
  /** Concept -> the one name every verb shows for it. */
  static final Map<String, String> NAMES =
      Map.of(
          "fine-tuning epochs", "--finetune-epochs",
          "fine-tuning steps", "--finetune-steps",
          "test images evaluated", "--eval-limit",
          "latency batch sizes", "--latency-batches",
          "latency timed runs", "--latency-runs",
          "latency warm-up runs", "--latency-warmup");

  /** Names other verbs used for those concepts before; each may survive only as a hidden alias. */
  static final Map<String, String> OLD_NAMES =
      Map.of(
          "--epochs", "--finetune-epochs",
          "--steps", "--finetune-steps",
          "--limit", "--eval-limit",
          "--batches", "--latency-batches",
          "--runs", "--latency-runs");

  /** Verbs that take each concept (a verb missing one here would be a new drift). */
  static final Map<String, List<String>> VERBS =
      Map.of(
          "--finetune-epochs", List.of("compress", "finetune"),
          "--finetune-steps", List.of("compress", "finetune", "demo"),
          "--eval-limit", List.of("compress", "evaluate", "demo"),
          "--latency-batches", List.of("compress", "bench"),
          "--latency-runs", List.of("bench"),
          "--latency-warmup", List.of("bench"));

  private static Map<String, CommandLine> verbs() {
    return new LinkedHashMap<>(Main.commandLine().getSubcommands());
  }

  @Test
  void everyVerbShowsTheSameNameForTheSameConcept() {
    Map<String, CommandLine> verbs = verbs();
    for (Map.Entry<String, List<String>> e : VERBS.entrySet()) {
      for (String verb : e.getValue()) {
        OptionSpec o = verbs.get(verb).getCommandSpec().findOption(e.getKey());
        assertTrue(o != null && !o.hidden(), verb + " shows " + e.getKey());
      }
    }
    List<String> drift = new ArrayList<>();
    verbs.forEach(
        (verb, cl) -> {
          for (OptionSpec o : cl.getCommandSpec().options()) {
            for (String name : o.names()) {
              if (!o.hidden() && OLD_NAMES.containsKey(name)) {
                drift.add(verb + " shows " + name + " (use " + OLD_NAMES.get(name) + ")");
              }
              if (!o.hidden() && NAMES.containsValue(name)) {
                String concept = o.longestName();
                assertEquals(name, concept, verb + ": " + name + " has no other visible name");
              }
            }
          }
        });
    assertEquals(List.of(), drift);
  }

  @Test
  void oldNamesStillParseAsHiddenAliases() {
    Map<String, CommandLine> verbs = verbs();
    String[][] cases = {
      {"finetune", "--epochs", "--finetune-epochs"}, {"finetune", "--steps", "--finetune-steps"},
      {"evaluate", "--limit", "--eval-limit"}, {"bench", "--runs", "--latency-runs"},
      {"bench", "--warmup", "--latency-warmup"}
    };
    for (String[] c : cases) {
      OptionSpec old = verbs.get(c[0]).getCommandSpec().findOption(c[1]);
      assertTrue(old != null && old.hidden(), c[0] + " " + c[1] + " is a hidden alias");
      assertFalse(
          verbs.get(c[0]).getUsageMessage().contains(c[1] + " "), c[0] + " help hides " + c[1]);
    }
    FinetuneCommand ft =
        parse(new FinetuneCommand(), "m.onnx", "-o", "o.onnx", "--epochs", "3", "--steps", "7");
    assertEquals(3, ft.epochs());
    assertEquals(7, ft.steps());
    EvaluateCommand ev = parse(new EvaluateCommand(), "m.onnx", "--limit", "20");
    assertEquals(20, ev.limit());
    BenchCommand b =
        parse(new BenchCommand(), "m.onnx", "--batches", "2,4", "--runs", "3", "--warmup", "1");
    assertArrayEquals(new int[] {2, 4}, b.batches());
    assertEquals(3, b.runs());
    assertEquals(1, b.warmup());
    BenchCommand defaults = parse(new BenchCommand(), "m.onnx");
    assertArrayEquals(new int[] {1, 32}, defaults.batches());
    assertEquals(50, defaults.runs());
    assertEquals(10, defaults.warmup());
  }

  private static <T> T parse(T command, String... args) {
    new CommandLine(command).parseArgs(args);
    return command;
  }
}
