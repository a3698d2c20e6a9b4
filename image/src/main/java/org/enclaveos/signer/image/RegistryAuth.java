package org.enclaveos.signer.image;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;

/**
 * Answers a registry's authentication challenges: Basic with the configured credentials, or Bearer
 * with a token from the challenge's token service (asked with those credentials, for the scope the
 * challenge names). Credentials come from {@link RegistryCredentials} and travel over TLS only.
 */
final class RegistryAuth {
    private static final Pattern PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    private final ImageReference ref;
    private final RegistryClient.Options options;
    private final HttpClient http;
    /** The credentials for this registry, looked up once (a credential helper is a process to run). */
    private Optional<String[]> credentials;

    private final CredentialScope scope;

    RegistryAuth(ImageReference ref, RegistryClient.Options options, HttpClient http, CredentialScope scope) {
        this.scope = scope;
        this.ref = ref;
        this.options = options;
        this.http = http;
    }

    /** The Authorization header that answers a 401's {@code WWW-Authenticate} challenge. */
    String answer(String challenge) {
        Optional<String[]> creds = credentials();
        if (challenge.regionMatches(true, 0, "Basic", 0, 5)) {
            String[] c = creds.orElseThrow(() -> new SignerException(ErrorKind.REGISTRY, ref.registry()
                    + " asks for credentials and none are configured (docker login, or REGISTRY_AUTH_FILE)"));
            return "Basic " + basic(c);
        }
        if (!challenge.regionMatches(true, 0, "Bearer", 0, 6)) {
            throw new SignerException(ErrorKind.REGISTRY, ref.registry() + ": unsupported authentication '" + challenge + "'");
        }
        Map<String, String> p = new HashMap<>();
        Matcher m = PARAM.matcher(challenge);
        while (m.find()) {
            p.put(m.group(1), m.group(2));
        }
        String realm = p.get("realm");
        if (realm == null) {
            throw new SignerException(ErrorKind.REGISTRY, ref.registry() + ": bearer challenge without a realm");
        }
        URI realmUri;
        try {
            realmUri = URI.create(realm);
        } catch (IllegalArgumentException e) {
            throw new SignerException(ErrorKind.REGISTRY, ref.registry() + ": bearer challenge with a bad realm '" + realm + "'");
        }
        if (!scope.transportAllowed(realmUri)) {
            // The credentials would go in clear text to wherever the registry pointed.
            throw new SignerException(ErrorKind.REGISTRY, ref.registry() + ": the token service " + realm
                    + " is not HTTPS; credentials are only sent over TLS");
        }
        String tokenScope = p.getOrDefault("scope", "repository:" + ref.repository() + ":pull,push");
        StringBuilder url = new StringBuilder(realm).append(realm.contains("?") ? "&" : "?").append("scope=")
                .append(URLEncoder.encode(tokenScope, StandardCharsets.UTF_8));
        if (p.containsKey("service")) {
            url.append("&service=").append(URLEncoder.encode(p.get("service"), StandardCharsets.UTF_8));
        }
        HttpRequest.Builder token = HttpRequest.newBuilder(URI.create(url.toString())).timeout(options.timeout()).GET();
        creds.ifPresent(c -> token.header("Authorization", "Basic " + basic(c)));
        try {
            HttpResponse<byte[]> r = http.send(token.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new SignerException(ErrorKind.REGISTRY, "unauthorized for " + ref.registry() + "/" + ref.repository()
                        + ": the token service answered HTTP " + r.statusCode());
            }
            JsonNode body = ImageDocuments.parse(r.body(), "token response");
            String t = body.path("token").asText(body.path("access_token").asText(""));
            if (t.isEmpty()) {
                throw new SignerException(ErrorKind.REGISTRY, ref.registry() + ": the token service returned no token");
            }
            return "Bearer " + t;
        } catch (IOException e) {
            throw new SignerException(ErrorKind.REGISTRY, ref.registry() + ": token service: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SignerException(ErrorKind.REGISTRY, ref.registry() + ": interrupted", e);
        }
    }

    /**
     * Every token request carries them: a registry challenges again whenever a request needs a wider
     * scope (push after pull, pull on the repository a blob is mounted from), and a token asked for
     * anonymously then would not cover a private repository.
     */
    private Optional<String[]> credentials() {
        if (credentials == null) {
            credentials = RegistryCredentials.find(ref.registry(), options.authFile());
        }
        return credentials;
    }

    private static String basic(String[] c) {
        return Base64.getEncoder().encodeToString((c[0] + ":" + c[1]).getBytes(StandardCharsets.UTF_8));
    }
}
