import { act, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Link, matchPath, navigate, path, useLocation } from './router';

afterEach(() => window.history.replaceState(null, '', '/'));

function Where() {
  const { pathname, search } = useLocation();
  return <p data-testid="where">{`${pathname}${search}`}</p>;
}

describe('router', () => {
  it('matches patterns and decodes their parameters', () => {
    expect(matchPath('/slas/:name', '/slas/search%20rag')).toEqual({ name: 'search rag' });
    expect(matchPath('/slas/:name', '/slas/a/b')).toBeUndefined();
    expect(matchPath('/slas/:name', '/alerts/x')).toBeUndefined();
    expect(matchPath('/slas/:name', '/slas/%E0%A4%A')).toBeUndefined();
    expect(matchPath('/', '/')).toEqual({});
  });

  it('builds paths with encoded parameters', () => {
    expect(path('/alerts/:fingerprint', { fingerprint: 'a/b c' })).toBe('/alerts/a%2Fb%20c');
  });

  it('navigates on a plain click without a reload, and follows back and forward', () => {
    render(
      <>
        <Link to="/slas/recommendations?range=6h">recommendations</Link>
        <Where />
      </>,
    );
    fireEvent.click(screen.getByRole('link', { name: 'recommendations' }));
    expect(screen.getByTestId('where').textContent).toBe('/slas/recommendations?range=6h');
    act(() => navigate('/demo'));
    expect(screen.getByTestId('where').textContent).toBe('/demo');
  });

  it('leaves modified clicks to the browser (new tab, new window)', () => {
    render(
      <>
        <Link to="/demo">demo</Link>
        <Where />
      </>,
    );
    fireEvent.click(screen.getByRole('link', { name: 'demo' }), { ctrlKey: true });
    expect(screen.getByTestId('where').textContent).toBe('/');
    expect(screen.getByRole('link', { name: 'demo' }).getAttribute('href')).toBe('/demo');
  });
});
