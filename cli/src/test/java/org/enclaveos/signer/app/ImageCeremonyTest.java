package org.enclaveos.signer.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.crypto.PassphraseSource;
import org.enclaveos.signer.crypto.PemKeys;
import org.enclaveos.signer.image.ConvertedImageFixture;
import org.enclaveos.signer.image.ImageReference;
import org.enclaveos.signer.image.LocalRegistry;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.cli.Cli;
import org.enclaveos.signer.cli.CliRun;
import org.enclaveos.signer.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** prepare, sign-offline and attach on a converted image in a real registry, checked with skopeo. */
class ImageCeremonyTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    static CliRun run(String... args) {
        return CliRun.run(new EnclaveosSigner(), args);
    }

    JsonNode skopeo(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("skopeo", args[0], "--tls-verify=false"));
        cmd.addAll(List.of(args).subList(1, args.length));
        return JSON.readTree(Tools.ok(cmd.toArray(String[]::new)));
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"all", "sgx1"})
    void registryToRegistryOnlyConfigAndManifestAreUploaded(String models) throws Exception {
        ConvertedImageFixture f = new ConvertedImageFixture();
        ImageReference local = f.write(dir.resolve("oci"));
        try (LocalRegistry registry = LocalRegistry.start(dir.resolve("registry"), null)) {
            registry.push(local, "team/app:1.0", null);
            String source = "docker://" + registry.host + "/team/app:1.0";
            String target = "docker://" + registry.host + "/team/app-signed:1.0";
            Path key = dir.resolve("key.pem");
            assertEquals(0, run("keygen", "--out", key.toString()).exitCode());
            CliRun p = run("prepare", source, "--memory-model", models, "--production", "--target", target, "--date",
                    "2026-11-26", "--out", dir.resolve("req").toString());
            assertEquals(0, p.exitCode(), p::toString);
            CliRun s = run("sign-offline", dir.resolve("req").toString(), "--key", key.toString(), "--out",
                    dir.resolve("sig").toString(), "--yes", "--production");
            assertEquals(0, s.exitCode(), s::toString);
            CliRun a = run("attach", dir.resolve("req").toString(), "--signatures", dir.resolve("sig").toString(), "--json");
            assertEquals(0, a.exitCode(), a::toString);
            JsonNode result = JSON.readTree(a.out());
            assertEquals(0, result.get("layersSent").asInt(), "no layer uploaded");
            assertEquals(3, result.get("layersMounted").asInt(), "all mounted from the source repository");

            JsonNode before = skopeo("inspect", "--config", source);
            JsonNode after = skopeo("inspect", "--config", target);
            ArrayNode env = (ArrayNode) before.at("/config/Env");
            ArrayNode envAfter = (ArrayNode) after.at("/config/Env");
            assertTrue(envAfter.get(1).asText().startsWith("ENCLAVEOS_SIGNATURE="));
            assertTrue(envAfter.get(3).asText().startsWith("ENCLAVEOS_SIGNATURE2="));
            assertNotEquals(env.get(1), envAfter.get(1));
            assertEquals(models.equals("all"), envAfter.get(3).asText().length() > "ENCLAVEOS_SIGNATURE2=".length(),
                    "sgx2 is signed with all, emptied with sgx1 only");
            ObjectNode expected = before.deepCopy();
            ((ArrayNode) expected.at("/config/Env")).set(1, envAfter.get(1));
            ((ArrayNode) expected.at("/config/Env")).set(3, envAfter.get(3));
            assertEquals(expected, after, "the config is the source's but for the two variables");
            long configSize = Tools.ok("skopeo", "inspect", "--tls-verify=false", "--raw", "--config", target).length;
            long manifestSize = Tools.ok("skopeo", "inspect", "--tls-verify=false", "--raw", target).length;
            assertEquals(configSize + manifestSize, result.get("bytesUploaded").asLong(), "only config and manifest uploaded");

            JsonNode rawBefore = JSON.readTree(Tools.ok("skopeo", "inspect", "--tls-verify=false", "--raw", source));
            JsonNode rawAfter = JSON.readTree(Tools.ok("skopeo", "inspect", "--tls-verify=false", "--raw", target));
            assertEquals(rawBefore.get("layers"), rawAfter.get("layers"));
            assertEquals(rawBefore.get("annotations"), rawAfter.get("annotations"));

            CliRun inspect = run("inspect", target, "--json");
            JsonNode i = JSON.readTree(inspect.out());
            Hash256 ours = PemKeys.loadSigningKey(key, PassphraseSource.NONE).mrsigner();
            assertEquals(ours.hex(), i.at("/models/sgx1/sigstruct/mrsigner").asText());
            if (models.equals("all")) {
                assertEquals(ours.hex(), i.at("/models/sgx2/sigstruct/mrsigner").asText());
            } else {
                assertTrue(i.at("/models/sgx2/sigstruct").isNull());
            }
            assertFalse(i.at("/models/sgx1/sigstruct/debug").asBoolean());

            CliRun v = run("verify", target, "--mrsigner", ours.hex(), "--memory-model", models);
            assertEquals(0, v.exitCode(), v::toString);
            assertTrue(v.out().contains("production"), v.out());
            CliRun wrongSigner = run("verify", source, "--mrsigner", ours.hex());
            assertEquals(1, wrongSigner.exitCode(), wrongSigner::toString);
            assertTrue(wrongSigner.lastErrLine().contains("sgx1: signed by " + f.converterKey.mrsigner() + ", expected "), wrongSigner.err());
        }
    }

    @Test
    void sgx1OnlyEmptiesTheOtherVariableAndOciTargetsWork() throws Exception {
        ConvertedImageFixture f = new ConvertedImageFixture();
        ImageReference local = f.write(dir.resolve("oci"));
        Path key = dir.resolve("key.pem");
        assertEquals(0, run("keygen", "--out", key.toString()).exitCode());
        assertEquals(0, run("prepare", local.toString(), "--memory-model", "sgx1", "--target", "oci:" + dir.resolve("out")
                + ":signed", "--out", dir.resolve("req").toString()).exitCode());
        assertEquals(0, run("sign-offline", dir.resolve("req").toString(), "--key", key.toString(), "--out",
                dir.resolve("sig").toString(), "--yes").exitCode());
        CliRun a = run("attach", dir.resolve("req").toString(), "--signatures", dir.resolve("sig").toString());
        assertEquals(0, a.exitCode(), a::toString);
        JsonNode config = JSON.readTree(Tools.ok("skopeo", "inspect", "--config", "oci:" + dir.resolve("out") + ":signed"));
        assertEquals("ENCLAVEOS_SIGNATURE2=", config.at("/config/Env/3").asText(), "a model not signed is emptied");
    }

    @Test
    void attachRefusesASourceThatChangedAndAMissingSignatureAndPushesNothing() throws Exception {
        ConvertedImageFixture f = new ConvertedImageFixture();
        ImageReference local = f.write(dir.resolve("oci"));
        try (LocalRegistry registry = LocalRegistry.start(dir.resolve("registry"), null)) {
            registry.push(local, "app:1.0", null);
            String source = "docker://" + registry.host + "/app:1.0";
            String target = "docker://" + registry.host + "/app:signed";
            Path key = dir.resolve("key.pem");
            assertEquals(0, run("keygen", "--out", key.toString()).exitCode());
            assertEquals(0, run("prepare", source, "--memory-model", "all", "--target", target, "--out",
                    dir.resolve("req").toString()).exitCode());
            assertEquals(0, run("sign-offline", dir.resolve("req").toString(), "--key", key.toString(), "--out",
                    dir.resolve("sig").toString(), "--yes").exitCode());

            Path sigs2 = Files.createDirectories(dir.resolve("sig-missing"));
            for (String n : List.of("app-1.0.sgx1.sigstruct", "app-1.0.sgx1.response.json")) {
                Files.copy(dir.resolve("sig").resolve(n), sigs2.resolve(n));
            }
            CliRun missing = run("attach", dir.resolve("req").toString(), "--signatures", sigs2.toString());
            assertEquals(3, missing.exitCode(), missing::toString);
            assertTrue(missing.lastErrLine().contains("app-1.0.sgx2.sigstruct: no such file"), missing.err());

            // A signature over another payload under the right name (sgx1's SIGSTRUCT as sgx2's).
            Path swapped = Files.createDirectories(dir.resolve("sig-swapped"));
            Files.copy(dir.resolve("sig/app-1.0.sgx1.sigstruct"), swapped.resolve("app-1.0.sgx1.sigstruct"));
            Files.copy(dir.resolve("sig/app-1.0.sgx1.sigstruct"), swapped.resolve("app-1.0.sgx2.sigstruct"));
            Files.copy(dir.resolve("sig/app-1.0.sgx1.response.json"), swapped.resolve("app-1.0.sgx1.response.json"));
            Files.copy(dir.resolve("sig/app-1.0.sgx2.response.json"), swapped.resolve("app-1.0.sgx2.response.json"));
            CliRun other1 = run("attach", dir.resolve("req").toString(), "--signatures", swapped.toString());
            assertEquals(8, other1.exitCode(), other1::toString);
            assertTrue(other1.lastErrLine().contains("app-1.0.sgx2.sigstruct: signs another payload"), other1.err());

            // A request that pins another signer, with signatures (from its unpinned twin) by our key.
            String someoneElse = PemKeys.generate("else").mrsigner().hex();
            assertEquals(0, run("prepare", source, "--memory-model", "all", "--target", target, "--expected-signer",
                    someoneElse, "--out", dir.resolve("req-pinned").toString()).exitCode());
            Path unpinnedSigs = Files.createDirectories(dir.resolve("sig-nopin"));
            for (String n : List.of("app-1.0.sgx1.sigstruct", "app-1.0.sgx2.sigstruct")) {
                Files.copy(dir.resolve("sig").resolve(n), unpinnedSigs.resolve(n));
            }
            CliRun unpinned = run("attach", dir.resolve("req-pinned").toString(), "--signatures", unpinnedSigs.toString());
            assertEquals(7, unpinned.exitCode(), unpinned::toString);
            assertTrue(unpinned.lastErrLine().contains("but the request pins " + someoneElse), unpinned.err());
            assertNotEquals(0, Tools.run(null, "skopeo", "inspect", "--tls-verify=false", "--raw", target).exitCode(),
                    "nothing was pushed");

            ConvertedImageFixture other = new ConvertedImageFixture();
            registry.push(other.write(dir.resolve("oci2")), "app:1.0", null); // the tag now names another image
            CliRun changed = run("attach", dir.resolve("req").toString(), "--signatures", dir.resolve("sig").toString());
            assertEquals(8, changed.exitCode(), changed::toString);
            assertTrue(changed.lastErrLine().contains(source + " changed since prepare: it now resolves to "), changed.err());
            Tools.Result absent = Tools.run(null, "skopeo", "inspect", "--tls-verify=false", "--raw", target);
            assertNotEquals(0, absent.exitCode(), "nothing was pushed");
        }
    }
}
