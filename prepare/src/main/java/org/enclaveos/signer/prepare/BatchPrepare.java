package org.enclaveos.signer.prepare;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.cli.Cli;
import org.enclaveos.signer.format.SigstructJson;
import org.enclaveos.signer.request.RequestWriter;
import org.enclaveos.signer.request.SigningRequest;

import picocli.CommandLine;

/**
 * {@code prepare --batch FILE.jsonl}: each line is one prepare, its keys the option names (camelCase or
 * as on the command line); entries run {@code --jobs} at a time, each is reported as it ends, a bad
 * entry does not stop the others, the requests of the good ones are written (in line order, by one
 * writer), and the exit code is non-zero if any entry failed.
 */
final class BatchPrepare {
    /** JSON key -> option, where the option is not just "--" + the key in lower case. */
    private static final Map<String, String> OPTION = Map.ofEntries(
            Map.entry("memoryModel", "--memory-model"), Map.entry("attributeMask", "--attribute-mask"),
            Map.entry("miscSelect", "--misc-select"), Map.entry("miscMask", "--misc-mask"),
            Map.entry("expectedSigner", "--expected-signer"), Map.entry("signerKey", "--signer-key"),
            Map.entry("trustMeasurement", "--trust-measurement"), Map.entry("maxLayoutSize", "--max-layout-size"),
            Map.entry("insecureRegistry", "--insecure-registry"), Map.entry("registryTimeout", "--registry-timeout"),
            Map.entry("maxMeasuredSize", "--max-measured-size"));

    private BatchPrepare() {
    }

    private record Outcome(int line, String label, List<SigningRequest> requests, SignerException error, long millis) {
    }

    static int run(PrepareCommand batch, PrintWriter err) {
        List<String> lines;
        try {
            org.enclaveos.signer.io.SmallFiles.requireRegular(batch.batch, "batch file");
            lines = Files.readAllLines(batch.batch);
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, batch.batch + ": cannot read: " + e.getMessage(), e);
        }
        Map<String, List<String>> defaults = defaults(batch.spec.commandLine().getParseResult());
        List<String[]> entries = new ArrayList<>();
        List<Integer> numbers = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        List<Outcome> refused = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            try {
                entries.add(arguments(lines.get(i), defaults));
                numbers.add(i + 1);
                labels.add(labelOf(lines.get(i)));
            } catch (SignerException e) {
                // One bad line does not stop the others: it is reported with them.
                refused.add(new Outcome(i + 1, labelOf(lines.get(i)), List.of(), e, 0));
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, batch.jobs));
        List<Future<Outcome>> futures = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            int line = numbers.get(i);
            String[] args = entries.get(i);
            String label = labels.get(i);
            futures.add(pool.submit(() -> one(line, label, args, err)));
        }
        List<Outcome> outcomes = new ArrayList<>(refused);
        try {
            for (Future<Outcome> f : futures) {
                outcomes.add(f.get());
            }
            outcomes.sort(java.util.Comparator.comparingInt(Outcome::line));
        } catch (Exception e) {
            throw new SignerException(ErrorKind.INTERNAL, "batch interrupted: " + e, e);
        } finally {
            pool.shutdownNow();
        }
        List<SigningRequest> all = new ArrayList<>();
        outcomes.stream().filter(o -> o.error() == null).forEach(o -> all.addAll(o.requests()));
        List<RequestWriter.Written> written = all.isEmpty() ? List.of()
                : RequestWriter.write(batch.out, all, batch.force, org.enclaveos.signer.cli.VersionProvider.version());
        long failed = outcomes.stream().filter(o -> o.error() != null).count();
        PrintWriter out = batch.spec.commandLine().getOut();
        if (batch.json) {
            ObjectNode doc = SigstructJson.object();
            doc.put("entries", outcomes.size()).put("failed", failed).put("requests", written.size());
            ArrayNode list = doc.putArray("results");
            for (Outcome o : outcomes) {
                ObjectNode n = list.addObject().put("line", o.line()).put("source", o.label()).put("ok", o.error() == null)
                        .put("seconds", o.millis() / 1000.0);
                if (o.error() != null) {
                    n.put("error", o.error().getMessage()).put("exitCode", o.error().kind().exitCode());
                } else {
                    ArrayNode r = n.putArray("requests");
                    o.requests().forEach(q -> r.add(q.fileName()));
                }
            }
            out.print(SigstructJson.print(doc));
        } else {
            out.println(outcomes.size() + " entries, " + (outcomes.size() - failed) + " prepared (" + written.size()
                    + " requests in " + batch.out + "), " + failed + " failed");
        }
        out.flush();
        for (Outcome o : outcomes) {
            if (o.error() != null) {
                err.println(Cli.NAME + ": " + org.enclaveos.signer.io.TerminalText.escape(batch.batch + " line " + o.line()
                        + " (" + o.label() + "): " + o.error().getMessage()));
            }
        }
        err.flush();
        return failed == 0 ? 0 : outcomes.stream().filter(o -> o.error() != null).findFirst().orElseThrow()
                .error().kind().exitCode();
    }

    private static Outcome one(int line, String label, String[] args, PrintWriter err) {
        long start = System.nanoTime();
        synchronized (err) {
            err.println("[line " + line + "] " + (label.startsWith("--") ? "measuring " : "pulling and measuring ")
                    + org.enclaveos.signer.io.TerminalText.escape(label));
            err.flush();
        }
        ImagePrepare.LAST_COST.remove();
        try {
            PrepareCommand cmd = new PrepareCommand();
            CommandLine cl = new CommandLine(cmd);
            cl.setCaseInsensitiveEnumValuesAllowed(true);
            cl.parseArgs(args);
            cmd.spec = cl.getCommandSpec();
            List<SigningRequest> requests = cmd.build(err);
            long ms = (System.nanoTime() - start) / 1_000_000;
            ImagePrepare.Cost cost = ImagePrepare.LAST_COST.get();
            synchronized (err) {
                err.println("[line " + line + "] done in " + ms + " ms: " + requests.size() + " request(s)"
                        + (cost == null ? "" : "; read " + cost.describe()));
                err.flush();
            }
            return new Outcome(line, label, requests, null, ms);
        } catch (SignerException e) {
            return new Outcome(line, label, List.of(), e, (System.nanoTime() - start) / 1_000_000);
        } catch (CommandLine.ParameterException e) {
            return new Outcome(line, label, List.of(), new SignerException(ErrorKind.USAGE, e.getMessage()),
                    (System.nanoTime() - start) / 1_000_000);
        } catch (RuntimeException e) {
            return new Outcome(line, label, List.of(), new SignerException(ErrorKind.INTERNAL, e.toString(), e),
                    (System.nanoTime() - start) / 1_000_000);
        }
    }

    /** What a line prepares, for the progress lines and the summary: its image, or its source option and value. */
    private static String labelOf(String line) {
        try {
            JsonNode n = SigstructJson.readTree(line);
            if (n != null && n.has("image")) {
                return n.get("image").asText();
            }
            for (String key : new String[] {"sgxs", "layout", "enclave", "mrenclave"}) {
                if (n != null && n.has(key)) {
                    return "--" + key + " " + n.get(key).asText();
                }
            }
        } catch (IOException e) {
            // not JSON: no label
        }
        return "?";
    }

    /** Options of the batch command itself, never passed on to a line. */
    private static final java.util.Set<String> BATCH_ONLY = java.util.Set.of("--batch", "--jobs", "--out", "--json",
            "--force", "--help", "--version");
    /** The options that pin the signer: a line may not change them once the command line gives one. */
    private static final java.util.Set<String> PINS = java.util.Set.of("--expected-signer", "--signer-key");

    /**
     * The command line's options, which are every line's defaults: option name to its values (none
     * for a flag), as typed.
     */
    static Map<String, List<String>> defaults(CommandLine.ParseResult parsed) {
        Map<String, List<String>> d = new java.util.LinkedHashMap<>();
        for (CommandLine.Model.OptionSpec o : parsed.matchedOptions()) {
            String name = o.longestName();
            if (BATCH_ONLY.contains(name)) {
                continue;
            }
            d.put(name, o.arity().max() == 0 ? List.of() : List.copyOf(o.originalStringValues()));
        }
        return d;
    }

    /**
     * The command-line arguments a batch line stands for: the command line's options as defaults,
     * the line's own over them. A line may not weaken {@code --production} nor change a pinned
     * signer; {@code --out} and the other batch options belong to the batch.
     */
    static String[] arguments(String json, Map<String, List<String>> defaults) {
        JsonNode n;
        try {
            n = SigstructJson.readTree(json);
        } catch (IOException e) {
            throw SignerException.malformed("not JSON");
        }
        if (n == null || !n.isObject()) {
            throw SignerException.malformed("expected one JSON object per line");
        }
        Map<String, List<String>> merged = new java.util.LinkedHashMap<>(defaults);
        String image = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            JsonNode v = e.getValue();
            if (key.equals("image")) {
                image = v.asText();
                continue;
            }
            if (key.equals("out") || key.equals("batch") || key.equals("jobs") || key.equals("force") || key.equals("json")) {
                throw SignerException.malformed("'" + key + "' belongs to the batch command, not to a line");
            }
            String option = OPTION.getOrDefault(key, "--" + key.toLowerCase());
            if (PINS.contains(option) && defaults.keySet().stream().anyMatch(PINS::contains)) {
                throw new SignerException(ErrorKind.POLICY, "'" + key + "' would change the signer pinned on "
                        + "the command line (" + defaults.keySet().stream().filter(PINS::contains).findFirst().orElseThrow()
                        + "); a line may not");
            }
            if (v.isBoolean()) {
                if (!v.asBoolean() && option.equals("--production") && defaults.containsKey("--production")) {
                    throw new SignerException(ErrorKind.POLICY, "\"production\": false would weaken the "
                            + "command line's --production; a line may not");
                }
                if (v.asBoolean()) {
                    merged.put(option, List.of());
                } else {
                    merged.remove(option);
                }
            } else if (option.equals("--insecure-registry") && merged.containsKey(option)) {
                List<String> hosts = new ArrayList<>(merged.get(option));
                hosts.add(v.asText());
                merged.put(option, hosts);
            } else {
                merged.put(option, List.of(v.asText()));
            }
        }
        List<String> args = new ArrayList<>();
        if (image != null) {
            args.add(image);
        }
        merged.forEach((option, values) -> {
            if (values.isEmpty()) {
                args.add(option);
            }
            for (String value : values) {
                args.add(option);
                args.add(value);
            }
        });
        args.add("--out");
        args.add("unused-by-build");
        return args.toArray(String[]::new);
    }
}
