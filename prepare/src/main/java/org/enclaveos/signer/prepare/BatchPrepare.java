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
import org.enclaveos.signer.io.TerminalText;
import org.enclaveos.signer.request.RequestWriter;
import org.enclaveos.signer.request.SigningRequest;


/**
 * {@code prepare --batch FILE.jsonl}: each line is one {@link PrepareSpec}, the command line's options
 * with the line's keys over them ({@link BatchLine}); entries run {@code --jobs} at a time, each is
 * reported as it ends, a bad entry does not stop the others, the requests of the good ones are
 * written (in line order, by one writer), and the exit code is non-zero if any entry failed.
 */
final class BatchPrepare {
    private BatchPrepare() {
    }

    private record Outcome(int line, String label, List<SigningRequest> requests, SignerException error, long millis) {
    }

    static int run(PrepareCommand batch, java.util.Optional<Shard> shard, PrintWriter err) {
        List<String> lines;
        try {
            org.enclaveos.signer.io.SmallFiles.requireRegular(batch.batch, "batch file");
            lines = Files.readAllLines(batch.batch);
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, batch.batch + ": cannot read: " + e.getMessage(), e);
        }
        PrepareSpec.Builder defaults = batch.options();
        List<Outcome> outcomes = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, batch.jobs));
        List<Future<Outcome>> futures = new ArrayList<>();
        shard.ifPresent(s -> {
            err.println("shard " + s + ": lines " + (s.index() + 1) + ", " + (s.index() + 1 + s.count()) + ", ... of "
                    + batch.batch);
            err.flush();
        });
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank() || shard.isPresent() && !shard.get().takes(i)) {
                continue;
            }
            int line = i + 1;
            try {
                PrepareSpec spec = BatchLine.spec(lines.get(i), defaults, defaults.production());
                futures.add(pool.submit(() -> one(line, spec, err)));
            } catch (SignerException e) {
                // One bad line does not stop the others: it is reported with them.
                outcomes.add(new Outcome(line, labelOf(lines.get(i)), List.of(), e, 0));
            }
        }
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
        List<RequestWriter.Written> written = all.isEmpty() ? List.of() : Prepare.write(batch.out, all, batch.force);
        long failed = outcomes.stream().filter(o -> o.error() != null).count();
        PrintWriter out = batch.spec.commandLine().getOut();
        if (batch.json) {
            ObjectNode doc = SigstructJson.object();
            doc.put("entries", outcomes.size()).put("failed", failed).put("requests", written.size())
                    .put("shard", shard.map(Shard::toString).orElse(null));
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
            out.println(shard.map(s -> "shard " + s + ": ").orElse("") + outcomes.size() + " entries, "
                    + (outcomes.size() - failed) + " prepared (" + written.size()
                    + " requests in " + batch.out + "), " + failed + " failed");
        }
        out.flush();
        for (Outcome o : outcomes) {
            if (o.error() != null) {
                err.println(Cli.NAME + ": " + TerminalText.escape(batch.batch + " line " + o.line()
                        + " (" + o.label() + "): " + o.error().getMessage()));
            }
        }
        err.flush();
        return failed == 0 ? 0 : outcomes.stream().filter(o -> o.error() != null).findFirst().orElseThrow()
                .error().kind().exitCode();
    }

    private static Outcome one(int line, PrepareSpec spec, PrintWriter err) {
        long start = System.nanoTime();
        String label = spec.source().label();
        synchronized (err) {
            err.println("[line " + line + "] " + (spec.source() instanceof EnclaveSource.Image ? "pulling and measuring "
                    : "measuring ") + TerminalText.escape(label));
            err.flush();
        }
        try {
            Prepare.Prepared prepared = Prepare.requests(spec, w -> {
                synchronized (err) {
                    err.println("[line " + line + "] warning: " + w);
                }
            });
            long ms = (System.nanoTime() - start) / 1_000_000;
            synchronized (err) {
                err.println("[line " + line + "] done in " + ms + " ms: " + prepared.requests().size() + " request(s)"
                        + prepared.cost().map(c -> "; read " + c.describe()).orElse(""));
                err.flush();
            }
            return new Outcome(line, label, prepared.requests(), null, ms);
        } catch (SignerException e) {
            return new Outcome(line, label, List.of(), e, (System.nanoTime() - start) / 1_000_000);
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
}
