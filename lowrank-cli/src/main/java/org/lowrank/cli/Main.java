package org.lowrank.cli;

import java.io.PrintWriter;
import java.util.Map;
import org.lowrank.util.Text;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code lowrank} command: subcommands are the pipeline verbs. Failures print one line on
 * stderr ({@code --stacktrace} for the whole trace) and exit with a code from {@link ExitCodes}.
 */
@Command(
    name = "lowrank",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Compress trained CNNs (ONNX) by low-rank factorization with automatic ranks.",
    subcommands = {CommandLine.HelpCommand.class})
public final class Main implements Runnable {

  @Option(
      names = "--stacktrace",
      description = "Print the full stack trace of a failure.",
      scope = CommandLine.ScopeType.INHERIT)
  boolean stacktrace;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The configured command line (used by {@link #main} and by tests). */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    for (Object sub : Subcommands.all()) {
      cl.addSubcommand(sub);
    }
    cl.getHelpSectionMap()
        .put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST, Main::commandList);
    cl.setExecutionStrategy(ResourceFailures::execute);
    cl.setExecutionExceptionHandler(Main::handleFailure);
    cl.setParameterExceptionHandler(
        (ex, args) -> {
          PrintWriter err = ex.getCommandLine().getErr();
          err.println("lowrank: " + ex.getMessage());
          err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
          return ExitCodes.BAD_INPUT;
        });
    return cl;
  }

  /**
   * The list of subcommands with each one's whole description (picocli's default shows only its
   * first line, which cut the sentences mid-way).
   */
  private static String commandList(CommandLine.Help help) {
    Map<String, CommandLine.Help> subs = help.subcommands();
    if (subs.isEmpty()) {
      return "";
    }
    int nameWidth = 2 + subs.keySet().stream().mapToInt(String::length).max().orElse(8);
    int width = help.commandSpec().usageMessage().width();
    CommandLine.Help.TextTable table =
        CommandLine.Help.TextTable.forColumns(
            help.colorScheme(),
            new CommandLine.Help.Column(nameWidth + 2, 2, CommandLine.Help.Column.Overflow.SPAN),
            new CommandLine.Help.Column(
                width - nameWidth - 2, 1, CommandLine.Help.Column.Overflow.WRAP));
    for (Map.Entry<String, CommandLine.Help> e : subs.entrySet()) {
      CommandLine.Model.UsageMessageSpec u = e.getValue().commandSpec().usageMessage();
      String[] text = u.header().length > 0 ? u.header() : u.description();
      table.addRowValues(e.getKey(), String.join(" ", text));
    }
    return table.toString();
  }

  private static int handleFailure(
      Exception ex, CommandLine cl, CommandLine.ParseResult parseResult) {
    PrintWriter err = cl.getErr();
    RuntimeException nativeOom = ResourceFailures.nativeOutOfMemory(ex);
    if (nativeOom != null) {
      ex = nativeOom;
    }
    String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
    err.println("lowrank " + cl.getCommandName() + ": " + Text.printable(msg, true));
    boolean trace =
        parseResult.hasMatchedOption("--stacktrace")
            || (parseResult.subcommand() != null
                && parseResult.subcommand().hasMatchedOption("--stacktrace"));
    if (trace) {
      ex.printStackTrace(err);
    } else if (ExitCodes.of(ex) == ExitCodes.INTERNAL) {
      err.println("(internal error: rerun with --stacktrace and report it)");
    }
    err.flush();
    return ExitCodes.of(ex);
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** Version from the jar manifest, or "dev". */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"lowrank " + (v == null ? "dev" : v)};
    }
  }
}
