// Exactly what a run sends (or would send): method and URL, headers with secrets masked, the JSON body;
// or a program's argv and environment.
import type { RequestView } from '../api/runs';

export function RequestBlock({ request }: { request: RequestView }) {
  if (request.kind === 'command') {
    return (
      <div className="request" data-request-kind="command">
        <pre className="code">
          <code>{request.argv.join(' ')}</code>
        </pre>
        <table className="table kv small">
          <caption>Environment</caption>
          <tbody>
            {Object.entries(request.env).map(([k, v]) => (
              <tr key={k}>
                <th scope="row">{k}</th>
                <td>
                  <code>{v}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  }
  return (
    <div className="request" data-request-kind="http">
      <pre className="code" data-testid="request-line">
        <code>
          {request.method} {request.url}
        </code>
      </pre>
      <table className="table kv small">
        <caption>Headers (secrets masked)</caption>
        <tbody>
          {Object.entries(request.headers).map(([k, v]) => (
            <tr key={k}>
              <th scope="row">{k}</th>
              <td>
                <code>{v}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {request.body !== undefined && request.body !== null ? (
        <>
          <p className="small muted">Body</p>
          <pre className="code" data-testid="request-body">
            <code>{JSON.stringify(request.body, null, 2)}</code>
          </pre>
        </>
      ) : null}
    </div>
  );
}
