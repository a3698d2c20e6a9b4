package org.enclaveos.signer.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.cli.CliRun;
import org.enclaveos.signer.image.ConvertedImageFixture;
import org.enclaveos.signer.image.FaultProxy;
import org.enclaveos.signer.image.ImageReference;
import org.enclaveos.signer.image.LocalRegistry;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signing evidence published by attach and checked by verify --evidence, on both kinds of registry:
 * the real distribution 2.8 (the referrers tag schema) and the same registry behind a proxy that
 * offers the OCI 1.1 referrers API. Foreign referrers (a cosign-like signature) must survive.
 */
class EvidenceTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String INDEX = "application/vnd.oci.image.index.v1+json";
    static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String COSIGN = "application/vnd.dev.cosign.artifact.sig.v1+json";

    @TempDir
    Path dir;

    final HttpClient http = HttpClient.newHttpClient();

    static CliRun run(String... args) {
        return CliRun.run(new EnclaveosSigner(), args);
    }

    /** prepare (both models) and sign-offline; returns sign-offline's JSON (journal and its last-line hash). */
    interface Step {
        void run() throws Exception;
    }

    JsonNode prepareAndSign(String source, String target, String... signOptions) throws Exception {
        return prepareAndSign(source, target, () -> { }, signOptions);
    }

    JsonNode prepareAndSign(String source, String target, Step beforeSigning, String... signOptions) throws Exception {
        Path key = dir.resolve("key.pem");
        assertEquals(0, run("keygen", "--out", key.toString()).exitCode());
        CliRun p = run("prepare", source, "--memory-model", "all", "--target", target, "--date", "2026-11-30",
                "--out", dir.resolve("req").toString());
        assertEquals(0, p.exitCode(), p::toString);
        beforeSigning.run();
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("sign-offline", dir.resolve("req").toString(),
                "--key", key.toString(), "--out", dir.resolve("sig").toString(), "--yes", "--ceremony-id", "cer-42", "--json"));
        args.addAll(java.util.List.of(signOptions));
        CliRun s = run(args.toArray(String[]::new));
        assertEquals(0, s.exitCode(), s::toString);
        return JSON.readTree(s.out());
    }

    JsonNode attach(String... extra) throws Exception {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("attach", dir.resolve("req").toString(),
                "--signatures", dir.resolve("sig").toString(), "--json"));
        args.addAll(java.util.List.of(extra));
        CliRun a = run(args.toArray(String[]::new));
        assertEquals(0, a.exitCode(), a::toString);
        return JSON.readTree(a.out());
    }

    HttpResponse<byte[]> get(String host, String repo, String reference) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/" + repo + "/manifests/" + reference))
                .header("Accept", INDEX + "," + MANIFEST).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    String putBlob(String host, String repo, byte[] content) throws Exception {
        String digest = "sha256:" + Hash256.sha256(content).hex();
        HttpResponse<Void> start = http.send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/" + repo + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        URI location = URI.create("http://" + host).resolve(start.headers().firstValue("Location").orElseThrow());
        HttpResponse<Void> put = http.send(HttpRequest.newBuilder(URI.create(location + "&digest=" + digest))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(content)).build(), HttpResponse.BodyHandlers.discarding());
        assertEquals(201, put.statusCode());
        return digest;
    }

    void putManifest(String host, String repo, String reference, String type, byte[] body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/" + repo + "/manifests/"
                + reference)).header("Content-Type", type).PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, r.statusCode(), r.body());
    }

    /** A cosign-like signature manifest about {@code subject}; returns its index entry. */
    ObjectNode pushForeignReferrer(String host, String repo, String subject, long subjectSize) throws Exception {
        String empty = putBlob(host, repo, "{}".getBytes(StandardCharsets.UTF_8));
        byte[] payload = "a signature some other tool made".getBytes(StandardCharsets.UTF_8);
        String layer = putBlob(host, repo, payload);
        ObjectNode m = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", MANIFEST).put("artifactType", COSIGN);
        m.putObject("config").put("mediaType", "application/vnd.oci.empty.v1+json").put("digest", empty).put("size", 2);
        m.putArray("layers").addObject().put("mediaType", "application/octet-stream").put("digest", layer)
                .put("size", payload.length);
        m.putObject("subject").put("mediaType", MANIFEST).put("digest", subject).put("size", subjectSize);
        byte[] bytes = JSON.writeValueAsBytes(m);
        String digest = "sha256:" + Hash256.sha256(bytes).hex();
        putManifest(host, repo, digest, MANIFEST, bytes);
        ObjectNode entry = JSON.createObjectNode().put("mediaType", MANIFEST).put("digest", digest).put("size", bytes.length)
                .put("artifactType", COSIGN);
        entry.putObject("annotations").put("dev.cosignproject.cosign/signature", "MEUCIQ...");
        return entry;
    }

    @Test
    void tagSchemaRegistryKeepsForeignReferrersAndVerifyChecksTheEvidence() throws Exception {
        ConvertedImageFixture f = new ConvertedImageFixture();
        ImageReference local = f.write(dir.resolve("oci"));
        try (LocalRegistry registry = LocalRegistry.start(dir.resolve("registry"), null)) {
            registry.push(local, "team/app:1.0", null);
            String target = "docker://" + registry.host + "/team/app-signed:1.0";
            // A ceremony with its participants and one SSH approval: what verify --evidence reports later.
            Path approver = dir.resolve("alice");
            Tools.ok("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "alice", "-f", approver.toString());
            Path allowed = Files.writeString(dir.resolve("allowed_signers"), "alice@example.com "
                    + Files.readString(dir.resolve("alice.pub")));
            Path approvals = Files.createDirectories(dir.resolve("approvals"));
            JsonNode signed = prepareAndSign("docker://" + registry.host + "/team/app:1.0", target, () -> {
                CliRun d = run("sign-offline", dir.resolve("req").toString(), "--print-batch-digest");
                Files.writeString(approvals.resolve("digest.txt"), d.out());
                Tools.ok("ssh-keygen", "-Y", "sign", "-f", approver.toString(), "-n", "enclaveos-ceremony",
                        approvals.resolve("digest.txt").toString());
            }, "--operator", "Dana", "--witness", "Eve", "--location", "vault B", "--note", "rehearsal",
                    "--approvals", approvals.toString(), "--approvers", allowed.toString(), "--require-approvals", "1");

            JsonNode plain = attach("--no-evidence");
            assertTrue(plain.get("evidence").isNull());
            String digest = plain.get("manifestDigest").asText();
            String tag = digest.replace(':', '-');
            assertEquals(404, get(registry.host, "team/app-signed", tag).statusCode(), "--no-evidence pushes none");
            CliRun none = run("verify", target, "--evidence");
            assertEquals(ErrorKind.VERIFICATION_FAILED.exitCode(), none.exitCode(), none::toString);
            assertTrue(none.lastErrLine().contains("no signing evidence refers to " + digest), none.err());

            // Another tool signed the image before us, and listed its signature in the referrers tag.
            long size = get(registry.host, "team/app-signed", digest).body().length;
            ObjectNode foreign = pushForeignReferrer(registry.host, "team/app-signed", digest, size);
            ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", INDEX);
            index.putArray("manifests").add(foreign);
            putManifest(registry.host, "team/app-signed", tag, INDEX, JSON.writeValueAsBytes(index));

            JsonNode withEvidence = attach();
            assertEquals(digest, withEvidence.get("manifestDigest").asText(), "the same signed image");
            assertEquals("referrers-tag", withEvidence.at("/evidence/via").asText());
            assertEquals(tag, withEvidence.at("/evidence/tag").asText());
            String evidence = withEvidence.at("/evidence/digest").asText();
            byte[] after = get(registry.host, "team/app-signed", tag).body();
            ArrayNode listed = (ArrayNode) JSON.readTree(after).get("manifests");
            assertEquals(2, listed.size(), new String(after, StandardCharsets.UTF_8));
            assertEquals(foreign, listed.get(0), "the foreign referrer is kept exactly as it was");
            assertEquals(evidence, listed.get(1).get("digest").asText());
            assertEquals("application/vnd.enclaveos.signing-evidence.v1+json", listed.get(1).get("artifactType").asText());

            attach();
            assertArrayEquals(after, get(registry.host, "team/app-signed", tag).body(), "attaching again lists it once");

            CliRun v = run("verify", target, "--evidence", "--json");
            assertEquals(0, v.exitCode(), v::toString);
            JsonNode ev = JSON.readTree(v.out()).get("evidence");
            assertEquals(1, ev.size(), "the cosign signature is not evidence");
            assertTrue(ev.get(0).get("valid").asBoolean());
            assertEquals("cer-42", ev.at("/0/ceremonies/0/ceremonyId").asText());
            assertEquals("Dana", ev.at("/0/ceremonies/0/operator").asText());
            assertEquals("[\"Eve\"]", ev.at("/0/ceremonies/0/witnesses").toString());
            assertEquals("alice@example.com", ev.at("/0/ceremonies/0/approvals/0/principals").asText());
            readmeKeys(ev.get(0));
            assertEquals("[\"app-1.0.sgx1\",\"app-1.0.sgx2\"]", ev.at("/0/requests").toString());
            assertEquals(signed.get("journalLastLineSha256").asText(), ev.at("/0/journalLastLineSha256").asText(),
                    "the evidence ends with the line whose hash sign-offline printed for the minutes");
            CliRun text = run("verify", target, "--evidence");
            assertTrue(text.out().contains("evidence " + evidence + ": valid, 2 requests (app-1.0.sgx1, app-1.0.sgx2), journal last line "
                    + "sha256 " + signed.get("journalLastLineSha256").asText()), text.out());
            assertTrue(text.out().contains("ceremonyId cer-42"), text.out());

            // skopeo, an independent client, still copies the signed image with its referrers beside it.
            Tools.ok("skopeo", "copy", "--src-tls-verify=false", target, "oci:" + dir.resolve("copy") + ":x");

            // Evidence someone tampered with (one journal byte) is found and refused by its digest.
            JsonNode m = JSON.readTree(get(registry.host, "team/app-signed", evidence).body());
            ObjectNode tampered = (ObjectNode) m.deepCopy();
            ObjectNode journalLayer = (ObjectNode) tampered.get("layers").get(tampered.get("layers").size() - 1);
            assertEquals("journal.jsonl", journalLayer.at("/annotations/org.opencontainers.image.title").asText());
            HttpResponse<byte[]> blob = http.send(HttpRequest.newBuilder(URI.create("http://" + registry.host
                    + "/v2/team/app-signed/blobs/" + journalLayer.get("digest").asText())).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            byte[] lines = new String(blob.body(), StandardCharsets.UTF_8).replace("cer-42", "cer-43").getBytes(StandardCharsets.UTF_8);
            journalLayer.put("digest", putBlob(registry.host, "team/app-signed", lines)).put("size", lines.length);
            byte[] tamperedBytes = JSON.writeValueAsBytes(tampered);
            String tamperedDigest = "sha256:" + Hash256.sha256(tamperedBytes).hex();
            putManifest(registry.host, "team/app-signed", tamperedDigest, MANIFEST, tamperedBytes);
            ObjectNode idx = (ObjectNode) JSON.readTree(after);
            ((ArrayNode) idx.get("manifests")).addObject().put("mediaType", MANIFEST).put("digest", tamperedDigest)
                    .put("size", tamperedBytes.length).put("artifactType", "application/vnd.enclaveos.signing-evidence.v1+json");
            putManifest(registry.host, "team/app-signed", tag, INDEX, JSON.writeValueAsBytes(idx));
            CliRun bad = run("verify", target, "--evidence");
            assertEquals(ErrorKind.VERIFICATION_FAILED.exitCode(), bad.exitCode(), bad::toString);
            assertTrue(bad.lastErrLine().contains("evidence " + tamperedDigest + ": evidence " + tamperedDigest
                    + ": journal: journal broken at line"), bad.err());
            assertTrue(bad.out().contains("evidence " + evidence + ": valid"), "the genuine one is still shown: " + bad.out());
            JsonNode badJson = JSON.readTree(run("verify", target, "--evidence", "--json").out());
            assertTrue(badJson.at("/evidence/1/error").asText().contains("journal broken at line"), badJson.toString());
        }
    }

    @Test
    void referrersApiRegistryIndexesTheEvidenceItselfAcrossPages() throws Exception {
        ConvertedImageFixture f = new ConvertedImageFixture();
        ImageReference local = f.write(dir.resolve("oci"));
        try (LocalRegistry registry = LocalRegistry.start(dir.resolve("registry"), null);
             FaultProxy proxy = new FaultProxy(registry.host)) {
            proxy.simulateReferrersApi(1);
            registry.push(local, "team/app:1.0", null);
            String target = "docker://" + proxy.host() + "/team/app-signed:1.0";
            prepareAndSign("docker://" + proxy.host() + "/team/app:1.0", target);
            String digest = attach("--no-evidence").get("manifestDigest").asText();
            pushForeignReferrer(proxy.host(), "team/app-signed", digest, get(proxy.host(), "team/app-signed", digest).body().length);

            JsonNode a = attach("--evidence");
            assertEquals("referrers-api", a.at("/evidence/via").asText());
            assertTrue(a.at("/evidence/tag").isNull());
            assertEquals(404, get(registry.host, "team/app-signed", digest.replace(':', '-')).statusCode(),
                    "no referrers tag where the registry has the API");

            int pagesBefore = proxy.referrerPages.get();
            CliRun v = run("verify", target, "--evidence", "--json");
            assertEquals(0, v.exitCode(), v::toString);
            JsonNode ev = JSON.readTree(v.out()).get("evidence");
            assertEquals(a.at("/evidence/digest").asText(), ev.at("/0/digest").asText());
            assertEquals(2, proxy.referrerPages.get() - pagesBefore, "the second page, where the evidence is, was read");
        }
    }

    @Test
    void attachRefusesBeforePushingWhenTheCeremonysJournalIsNotThere() throws Exception {
        ConvertedImageFixture f = new ConvertedImageFixture();
        ImageReference local = f.write(dir.resolve("oci"));
        try (LocalRegistry registry = LocalRegistry.start(dir.resolve("registry"), null)) {
            registry.push(local, "team/app:1.0", null);
            String target = "docker://" + registry.host + "/team/app-signed:1.0";
            Path journal = dir.resolve("minutes/journal.jsonl");
            Files.createDirectories(journal.getParent());
            prepareAndSign("docker://" + registry.host + "/team/app:1.0", target, "--journal", journal.toString());

            CliRun missing = run("attach", dir.resolve("req").toString(), "--signatures", dir.resolve("sig").toString());
            assertEquals(ErrorKind.IO.exitCode(), missing.exitCode(), missing::toString);
            assertTrue(missing.lastErrLine().contains(dir.resolve("sig/journal.jsonl") + ": no such file"), missing.err());
            assertTrue(missing.lastErrLine().contains("--no-evidence"), missing.err());
            assertEquals(404, get(registry.host, "team/app-signed", "1.0").statusCode(), "nothing pushed");

            Path other = dir.resolve("other.jsonl");
            Files.writeString(other, Files.readAllLines(journal).get(0) + "\n");
            CliRun wrong = run("attach", dir.resolve("req").toString(), "--signatures", dir.resolve("sig").toString(),
                    "--journal", other.toString());
            assertEquals(ErrorKind.INTEGRITY.exitCode(), wrong.exitCode(), wrong::toString);
            assertTrue(wrong.lastErrLine().contains("no ceremony in this journal signed app-1.0.sgx1, app-1.0.sgx2"), wrong.err());

            CliRun toLayout = run("attach", dir.resolve("req").toString(), "--signatures", dir.resolve("sig").toString(),
                    "--evidence", "--target", "oci:" + dir.resolve("layout") + ":signed");
            assertEquals(ErrorKind.USAGE.exitCode(), toLayout.exitCode(), toLayout::toString);
            assertTrue(toLayout.lastErrLine().contains("is not a registry"), toLayout.err());

            JsonNode ok = attach("--journal", journal.toString());
            assertEquals("referrers-tag", ok.at("/evidence/via").asText());
            CliRun fileEvidence = run("verify", dir.resolve("sig/app-1.0.sgx1.sigstruct").toString(), "--evidence");
            assertEquals(ErrorKind.USAGE.exitCode(), fileEvidence.exitCode(), fileEvidence::toString);
        }
    }

    @Test
    void theOneShotFormPublishesTheEvidenceOfItsJournal() throws Exception {
        ConvertedImageFixture f = new ConvertedImageFixture();
        ImageReference local = f.write(dir.resolve("oci"));
        try (LocalRegistry registry = LocalRegistry.start(dir.resolve("registry"), null)) {
            registry.push(local, "team/app:1.0", null);
            Path key = dir.resolve("key.pem");
            assertEquals(0, run("keygen", "--out", key.toString()).exitCode());
            String target = "docker://" + registry.host + "/team/app-signed:1.0";
            Path journal = dir.resolve("one-shot.jsonl");
            for (int i = 0; i < 2; i++) { // the journal accumulates; the evidence takes the latest ceremony's lines
                CliRun r = run("--container", "docker://" + registry.host + "/team/app:1.0", target, "--isvsvn", "1",
                        "--isvprodid", "1", "-key", key.toString(), "--memory-model", "all", "--journal", journal.toString());
                assertEquals(0, r.exitCode(), r::toString);
                assertTrue(r.out().contains("\nevidence sha256:"), r.out());
            }
            CliRun v = run("verify", target, "--evidence", "--json");
            assertEquals(0, v.exitCode(), v::toString);
            JsonNode ev = JSON.readTree(v.out()).get("evidence");
            assertEquals(2, ev.size(), "two runs, two ceremonies, the same signed image: two evidence artifacts, both listed: " + ev);
            String last = Files.readAllLines(journal).get(Files.readAllLines(journal).size() - 1);
            assertEquals(Hash256.sha256(last.getBytes(StandardCharsets.UTF_8)).hex(), ev.at("/1/journalLastLineSha256").asText());
        }
    }

    /** The keys README.md promises for verify --evidence --json (read from the README, so they cannot drift apart). */
    static void readmeKeys(JsonNode evidence) throws Exception {
        String readme = Files.readString(org.enclaveos.signer.testing.Vectors.projectRoot().resolve("README.md"));
        String promise = readme.substring(readme.indexOf("`verify IMAGE --evidence --json` adds"));
        promise = promise.substring(0, promise.indexOf("\n\n"));
        java.util.regex.Matcher keys = java.util.regex.Pattern.compile("`([a-zA-Z0-9]+)`").matcher(promise);
        int checked = 0;
        while (keys.find()) {
            String key = keys.group(1);
            if (key.equals("evidence") || key.equals("error")) {
                continue; // the array itself; error only on evidence that does not hold (asserted below)
            }
            assertTrue(evidence.has(key) || evidence.at("/ceremonies/0").has(key), "README promises '" + key
                    + "', verify --evidence --json has no such key:\n" + evidence);
            checked++;
        }
        assertTrue(checked >= 15, "the README paragraph names the keys: " + promise);
    }
}
