/**
 * The HTML error page (the API answers JSON instead).
 * @module
 */
import { Layout } from "../components/layout.tsx";

/** An error page with a status and a message. */
export function ErrorPage({ status, message }: { status: number; message: string }) {
  return (
    <Layout title={String(status)}>
      <h1>{status === 404 ? "Not found" : status >= 500 ? "Server error" : "Bad request"}</h1>
      <p class="error">{message}</p>
      <p>
        <a href="/">Back to the runs</a>
      </p>
    </Layout>
  );
}
