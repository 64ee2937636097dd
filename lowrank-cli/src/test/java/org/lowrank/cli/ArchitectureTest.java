package org.lowrank.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures;
import com.tngtech.archunit.library.dependencies.SlicesRuleDefinition;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lowrank.LowrankException;

/**
 * The rules of ARCHITECTURE.md's module table, checked on the main classes of every module this one
 * sees (core, onnx, runtime, train, demo, pipeline, cli; not bench, which may do anything): modules
 * depend downwards only, each native library stays in its module, only the command line prints, no
 * package cycles, and every exception is a {@link LowrankException}. A class's module is read from
 * where it was loaded ({@code lowrank-core/target/classes} or {@code lowrank-core-VERSION.jar}); a
 * class file left in target/classes by a deleted source still counts ({@code mvn clean} drops it).
 */
class ArchitectureTest {
  private static final List<String> MODULES =
      List.of("core", "onnx", "runtime", "train", "demo", "pipeline", "cli");
  private static final Pattern MODULE_LOCATION =
      Pattern.compile("/lowrank-([a-z]+)(?:/target/classes/|-\\d[^/]*\\.jar!/)");

  /**
   * Mains that still print outside the command line: the demo's trainer, now in lowrank-demo (out
   * of the API module). The benchmark mains have moved to lowrank-bench.
   */
  private static final Set<String> STRAY_MAINS = Set.of("org.lowrank.demo.TrainDemoModel");

  private static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    main =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(location -> !location.contains("-tests.jar"))
            .importPackages("org.lowrank");
  }

  /**
   * The module a class was loaded from ("core", ..., "cli"), or "?" when not from a module's
   * output.
   */
  static String moduleOf(JavaClass c) {
    String uri = c.getSource().map(s -> s.getUri().toString()).orElse("");
    Matcher m = MODULE_LOCATION.matcher(uri);
    return m.find() ? m.group(1) : "?";
  }

  private static DescribedPredicate<JavaClass> inModule(String... modules) {
    Set<String> set = Set.of(modules);
    return DescribedPredicate.describe(
        "are in lowrank-" + String.join("/", modules), c -> set.contains(moduleOf(c)));
  }

  private static DescribedPredicate<JavaClass> strayMain() {
    return DescribedPredicate.describe(
        "are benchmark mains still to move into lowrank-bench",
        c ->
            STRAY_MAINS.stream()
                .anyMatch(n -> c.getName().equals(n) || c.getName().startsWith(n + "$")));
  }

  /**
   * Guards the other rules against passing on nothing: every module is there, every class placed.
   */
  @Test
  void everyModuleIsImported() {
    Map<String, Set<String>> byModule = new TreeMap<>();
    for (JavaClass c : main) {
      byModule.computeIfAbsent(moduleOf(c), k -> new TreeSet<>()).add(c.getName());
    }
    assertEquals(
        new TreeSet<>(MODULES),
        byModule.keySet(),
        "classes by module (\"?\": loaded from neither a module's target/classes nor its jar): "
            + byModule.get("?"));
    for (String m : MODULES) {
      assertTrue(byModule.get(m).size() >= 5, m + ": " + byModule.get(m));
    }
  }

  /**
   * The module table of ARCHITECTURE.md: dependencies point down only (Maven enforces that much),
   * and lowrank-train needs only core (its pom's lowrank-onnx serves the stray benchmark mains).
   */
  @Test
  void modulesDependOnTheModulesOfTheArchitectureTable() {
    Architectures.layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("core")
        .definedBy(inModule("core"))
        .layer("onnx")
        .definedBy(inModule("onnx"))
        .layer("runtime")
        .definedBy(inModule("runtime"))
        .layer("train")
        .definedBy(inModule("train"))
        .layer("demo")
        .definedBy(inModule("demo"))
        .layer("pipeline")
        .definedBy(inModule("pipeline"))
        .layer("cli")
        .definedBy(inModule("cli"))
        .whereLayer("cli")
        .mayNotBeAccessedByAnyLayer()
        .whereLayer("pipeline")
        .mayOnlyBeAccessedByLayers("cli")
        .whereLayer("demo")
        .mayOnlyBeAccessedByLayers("cli")
        .whereLayer("train")
        .mayOnlyBeAccessedByLayers("demo", "pipeline", "cli")
        .whereLayer("runtime")
        .mayOnlyBeAccessedByLayers("pipeline", "cli")
        .whereLayer("onnx")
        .mayOnlyBeAccessedByLayers("runtime", "demo", "pipeline", "cli")
        .ignoreDependency(strayMain(), DescribedPredicate.alwaysTrue())
        .check(main);
  }

  @Test
  void onlyTrainUsesDjl() {
    noClasses()
        .that(DescribedPredicate.not(inModule("train")))
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("ai.djl..")
        .because("lowrank-train is the only code that knows DJL/PyTorch")
        .check(main);
  }

  @Test
  void onlyRuntimeUsesOnnxRuntime() {
    noClasses()
        .that(DescribedPredicate.not(inModule("runtime")))
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("ai.onnxruntime..")
        .because("lowrank-runtime is the only code that knows ONNX Runtime")
        .check(main);
  }

  @Test
  void onlyOnnxUsesProtobuf() {
    noClasses()
        .that(DescribedPredicate.not(inModule("onnx")))
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("com.google.protobuf..", "ai.onnx.proto..")
        .because("lowrank-onnx is the only code that knows the ONNX protobuf")
        .check(main);
  }

  @Test
  void onlyTheLinearAlgebraFacadeUsesOpenBlas() {
    noClasses()
        .that()
        .resideOutsideOfPackage("org.lowrank.linalg")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.bytedeco..")
        .because("GEMM, SVD, QR and eigen go through the facade in org.lowrank.linalg")
        .check(main);
  }

  /** Library code logs (SLF4J) or reports through a listener; only the command line prints. */
  @Test
  void onlyTheCommandLinePrints() {
    noClasses()
        .that(DescribedPredicate.not(inModule("cli")))
        .and(DescribedPredicate.not(strayMain()))
        .should()
        .accessField(System.class, "out")
        .orShould()
        .accessField(System.class, "err")
        .orShould()
        .callMethod(Throwable.class, "printStackTrace")
        .because("library code logs through SLF4J or reports through a listener; the CLI prints")
        .check(main);
  }

  @Test
  void packagesHaveNoCycles() {
    SlicesRuleDefinition.slices()
        .matching("org.lowrank.(**)")
        .should()
        .beFreeOfCycles()
        .check(main);
  }

  /** Which methods apply to a layer (and their costs) lives below both analysis and plan. */
  @Test
  void analysisDoesNotDependOnPlanning() {
    noClasses()
        .that()
        .resideInAPackage("org.lowrank.analysis..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("org.lowrank.plan..")
        .because("stage 2 (analyze) comes before stage 3 (plan)")
        .check(main);
    noClasses()
        .that()
        .resideInAPackage("org.lowrank.cost..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.lowrank.analysis..", "org.lowrank.plan..")
        .because("methods and costs (org.lowrank.cost) sit below both analysis and plan")
        .check(main);
  }

  /**
   * The stages of ARCHITECTURE.md in the names: Model ({@code graph}) -> Analyze ({@code ops},
   * {@code cost}, {@code analysis}) -> Plan ({@code plan}) -> Factorize ({@code decomp}) -> Rewrite
   * ({@code rewrite}) -> Report ({@code report}). A stage's package does not depend on a later
   * stage's, except that planning scores candidates with the factorize and rewrite tools (e.g. the
   * kept energy of a reconstruction); factorizing works on tensors alone, without the graph.
   */
  @Test
  void stagesDependOnlyOnEarlierStages() {
    Map<String, List<String>> later = new java.util.LinkedHashMap<>();
    later.put("graph", List.of("ops", "cost", "analysis", "plan", "decomp", "rewrite", "report"));
    later.put("ops", List.of("cost", "analysis", "plan", "decomp", "rewrite", "report"));
    later.put("cost", List.of("analysis", "plan", "decomp", "rewrite", "report"));
    later.put("analysis", List.of("plan", "decomp", "rewrite", "report"));
    later.put("plan", List.of("report"));
    later.put("decomp", List.of("graph", "ops", "analysis", "plan", "rewrite", "report"));
    later.put("rewrite", List.of("analysis", "plan", "report"));
    later.forEach(
        (stage, forbidden) ->
            noClasses()
                .that()
                .resideInAPackage("org.lowrank." + stage + "..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                    forbidden.stream().map(f -> "org.lowrank." + f + "..").toArray(String[]::new))
                .because(
                    "org.lowrank."
                        + stage
                        + " may not use "
                        + forbidden
                        + ": a stage uses only earlier stages (see ARCHITECTURE.md)")
                .check(main));
  }

  /** The CLI maps a failure to its exit code by {@link LowrankException.Kind}, not by class. */
  @Test
  void everyExceptionIsALowrankException() {
    classes()
        .that()
        .areAssignableTo(Throwable.class)
        .and()
        .doNotHaveModifier(JavaModifier.PRIVATE)
        .should()
        .beAssignableTo(LowrankException.class)
        .because(
            "ExitCodes maps LowrankException.Kind to exit codes; give a new exception its kind")
        .check(main);
  }
}
