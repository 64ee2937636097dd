package org.lowrank;

/**
 * The base of lowrank's own failures. Each one has a {@link Kind} that says whose fault it is and
 * what the user can do; the command line maps the kind to its exit code in one place, so callers
 * never need to know the concrete class (which may live in any module). The message says where
 * (file, layer, op), what was expected, what was found and how to fix it.
 *
 * <p>Unchecked: a caller cannot recover from a malformed model or a diverging decomposition by
 * retrying, only by changing the input.
 */
public class LowrankException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Whose fault a failure is. The exit codes are those of the {@code lowrank} command. */
  public enum Kind {
    /**
     * The input is wrong: a malformed model, plan or dataset file, an impossible rank or budget, an
     * inconsistent option. The user fixes the input (exit code 2).
     */
    BAD_INPUT,
    /**
     * A well-formed model uses something lowrank does not support (yet): an operator, an attribute
     * value, a feature of the ONNX format. The user can only change the model (exit code 3).
     */
    UNSUPPORTED,
    /**
     * A numerical routine failed on valid input: LAPACK reported an error, an iterative
     * decomposition diverged or produced non-finite factors (exit code 1 unless caused by bad
     * input).
     */
    NUMERICAL,
    /**
     * An external engine (ONNX Runtime, PyTorch) refused to load or run a model that lowrank built
     * or accepted (exit code 1 unless caused by bad input).
     */
    RUNTIME,
    /**
     * The machine lacks what the run asked for: a device that is not there ({@code --device cuda}
     * without a GPU or a CUDA build), or memory (Java heap, native or device memory). The user
     * changes the setting the message names or runs on a bigger machine (exit code 5).
     */
    RESOURCE,
    /** A bug in lowrank: a broken invariant (exit code 1). */
    INTERNAL
  }

  private final Kind kind;

  public LowrankException(Kind kind, String message) {
    this(kind, message, null);
  }

  public LowrankException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    if (kind == null) {
      throw new NullPointerException("kind");
    }
    this.kind = kind;
  }

  /** Whose fault this failure is. */
  public Kind kind() {
    return kind;
  }
}
