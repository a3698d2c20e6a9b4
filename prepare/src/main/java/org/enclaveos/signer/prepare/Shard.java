package org.enclaveos.signer.prepare;

import java.util.Map;
import java.util.Optional;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;

/**
 * One of {@code count} machines preparing one batch file: shard {@code index} (from 0) takes the
 * lines whose number, counted from 0, leaves {@code index} when divided by {@code count}. Every
 * machine reads the same file; no line is taken twice and none is left, and each request is the one
 * an unsharded run writes, byte for byte (a request depends only on its line and the options).
 */
record Shard(int index, int count) {
    /** The variables a Kubernetes Indexed Job sets in each pod. */
    static final String INDEX_VARIABLE = "JOB_COMPLETION_INDEX";
    static final String COUNT_VARIABLE = "JOB_COMPLETIONS";

    Shard {
        if (count < 1 || index < 0 || index >= count) {
            throw new SignerException(ErrorKind.USAGE, "shard " + index + "/" + count + ": give I/N with 0 <= I < N");
        }
    }

    /** {@code --shard I/N}. */
    static Shard parse(String option) {
        String[] parts = option.split("/", -1);
        try {
            if (parts.length == 2) {
                return new Shard(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new SignerException(ErrorKind.USAGE, "--shard " + option + ": expected I/N, e.g. 0/3 (shards are counted from 0)");
    }

    /** The option if given, else the Indexed Job's variables when both are set, else no sharding. */
    static Optional<Shard> of(String option, Map<String, String> environment) {
        if (option != null) {
            return Optional.of(parse(option));
        }
        String index = environment.get(INDEX_VARIABLE);
        String count = environment.get(COUNT_VARIABLE);
        if (index == null || count == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Shard(Integer.parseInt(index.trim()), Integer.parseInt(count.trim())));
        } catch (NumberFormatException e) {
            throw new SignerException(ErrorKind.USAGE, INDEX_VARIABLE + "=" + index + ", " + COUNT_VARIABLE + "=" + count
                    + ": expected two numbers");
        }
    }

    /** Whether the line at {@code zeroBasedLine} of the batch file is this shard's. */
    boolean takes(int zeroBasedLine) {
        return zeroBasedLine % count == index;
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }
}
